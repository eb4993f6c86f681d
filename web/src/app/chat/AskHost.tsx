import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { newIdempotencyKey, post } from '../shared/api.ts';
import { ErrorMessage, Field } from '../shared/ui.tsx';
import { MAX_TEXT } from './types.ts';

/** A question to the host before booking: opens (or reopens) the guest's conversation about the listing. */
export const AskHost = ({ listingId }: { listingId: string }) => {
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // One client id per question: a retry after a lost answer stores the message once.
  const [clientMessageId, setClientMessageId] = useState(newIdempotencyKey);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const text = String(new FormData(event.currentTarget).get('question')).trim();
    if (!text) return;
    setBusy(true);
    setError(null);
    try {
      const opened = await post<{ conversationId: string }>('chat', `/listings/${listingId}/inquiries`, { text, clientMessageId });
      setClientMessageId(newIdempotencyKey());
      navigate(`/messages/${opened.conversationId}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Ask the host">
      <Field label="Your question">
        <textarea name="question" rows={3} maxLength={MAX_TEXT} required />
      </Field>
      {error ? <ErrorMessage error={error} title="Could not send the question" /> : null}
      <button type="submit" disabled={busy}>
        Ask the host
      </button>
    </form>
  );
};
