import type { ReactNode } from 'react';
import { describeError } from './api.ts';
import type { Resource } from './resource.ts';

/** An error as words a person can act on (a problem's `detail`), announced to screen readers. */
export const ErrorMessage = ({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) => (
  <div role="alert" className="error">
    <strong>{title}: </strong>
    {describeError(error)}
  </div>
);

export const Loading = ({ what }: { what: string }) => (
  <p role="status" aria-live="polite" className="muted">
    Loading {what}…
  </p>
);

/**
 * A list's four states: loading, error (with a retry), empty (with what to do), and the items.
 */
export function AsyncList<T>({
  resource,
  what,
  empty,
  items,
  children,
}: {
  resource: Resource<unknown> & { reload: () => void };
  what: string;
  empty: ReactNode;
  items: (data: never) => T[];
  children: (list: T[]) => ReactNode;
}) {
  if (resource.state === 'idle') return null;
  if (resource.state === 'loading' && resource.data === undefined) return <Loading what={what} />;
  if (resource.state === 'error')
    return (
      <div>
        <ErrorMessage error={resource.error} title={`Could not load ${what}`} />
        <button type="button" onClick={resource.reload}>
          Try again
        </button>
      </div>
    );
  const list = items(resource.data as never);
  if (list.length === 0) return <p className="empty">{empty}</p>;
  return <>{children(list)}</>;
}

export const Field = ({ label, children, hint }: { label: string; children: ReactNode; hint?: string }) => (
  // biome-ignore lint/a11y/noLabelWithoutControl: the control is the `children` this label wraps
  <label className="field">
    <span>{label}</span>
    {children}
    {hint ? <small className="muted">{hint}</small> : null}
  </label>
);

export const StatusBadge = ({ status }: { status: string }) => <span className={`badge badge-${status}`}>{status.replace(/_/g, ' ')}</span>;

export const formatDate = (iso: string): string => {
  const date = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return iso.length === 10
    ? date.toLocaleDateString('en', { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' })
    : date.toLocaleString('en', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
};
