import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { describeError, newIdempotencyKey } from '../shared/api.ts';
import { ErrorMessage, Field } from '../shared/ui.tsx';
import { pendingChanges, type Draft, type SyncState } from './draft-queue.ts';
import { emptyUnit, fieldLabel, valueAt, type ListingForm, type ListingKind, type UnitForm } from './listing-form.ts';
import { draftQueue } from './queue.ts';

const STEPS = ['Basics', 'Place', 'Details', 'Units and prices', 'Policies'] as const;

const SyncStatus = ({ sync, pending, form }: { sync: SyncState; pending: number; form: ListingForm }) => {
  const text =
    sync.state === 'saved'
      ? 'All changes saved'
      : sync.state === 'saving'
        ? 'Saving…'
        : sync.state === 'offline'
          ? `Offline: ${pending} field${pending === 1 ? '' : 's'} kept in this browser, sent when the connection is back`
          : sync.state === 'conflict'
            ? `Not saved: changed in another browser meanwhile (${sync.fields.map((field) => fieldLabel(field, form)).join(', ')})`
            : `Not saved: ${describeError(sync.error)}`;
  return (
    <p role="status" aria-live="polite" className={`sync sync-${sync.state}`} data-testid="sync-status">
      {text}
    </p>
  );
};

const shown = (value: unknown): string => {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (value === undefined) return '(removed)';
  if (typeof value === 'object' && value !== null) {
    const unit = value as UnitForm;
    return `${unit.name || '(no name)'}: ${unit.count} × ${unit.capacity} guests at ${unit.price || '?'}`;
  }
  return String(value) || '(empty)';
};

/** Both browsers changed the same fields: the host sees both values and chooses; nothing is sent until then. */
const ConflictPanel = ({ draft, onResolve }: { draft: Draft; onResolve: (keep: 'mine' | 'theirs') => void }) => {
  if (!draft.conflict) return null;
  const { fields, theirs } = draft.conflict;
  return (
    <div role="alert" className="error conflict">
      <h2>Changed in another browser meanwhile</h2>
      <p>These fields were saved with other values while you edited them here. Choose which to keep; everything else is merged.</p>
      <dl>
        {fields.map((field) => (
          <div key={field}>
            <dt>{fieldLabel(field, draft.form, theirs)}</dt>
            <dd>
              Yours: <q>{shown(valueAt(draft.form, field))}</q> · saved: <q>{shown(valueAt(theirs, field))}</q>
            </dd>
          </div>
        ))}
      </dl>
      <p className="inline">
        <button type="button" onClick={() => onResolve('mine')}>
          Keep mine
        </button>
        <button type="button" className="secondary" onClick={() => onResolve('theirs')}>
          Use the saved version
        </button>
      </p>
    </div>
  );
};

const UNIT_WORDS = {
  rental: { type: 'Home', name: 'Name of the home', count: 'Units (a rental has 1)', capacity: 'Guests per unit', price: 'Price per night' },
  hotel: { type: 'Room type', name: 'Room type', count: 'Number of rooms', capacity: 'Guests per unit', price: 'Price per night' },
  restaurant: { type: 'Table type', name: 'Table type', count: 'Number of tables', capacity: 'Seats per table', price: 'Deposit per table' },
} as const;

/** One unit type's fields, in a group named by its place ("Room type 2"), with its own remove button. */
const UnitFields = ({
  kind,
  unit,
  index,
  onChange,
  onRemove,
}: {
  kind: ListingKind;
  unit: UnitForm;
  index: number;
  onChange: (unit: UnitForm) => void;
  onRemove?: () => void;
}) => {
  const words = UNIT_WORDS[kind];
  const group = kind === 'rental' ? 'The home' : `${words.type} ${index + 1}`;
  const input = (attribute: keyof Omit<UnitForm, 'key'>) => ({
    value: unit[attribute],
    onChange: (event: ChangeEvent<HTMLInputElement>) => onChange({ ...unit, [attribute]: event.target.value }),
  });
  return (
    <fieldset className="unit">
      <legend>{group}</legend>
      <Field label={words.name}>
        <input {...input('name')} />
      </Field>
      <Field label={words.count}>
        <input {...input('count')} type="number" min={1} />
      </Field>
      <Field label={words.capacity}>
        <input {...input('capacity')} type="number" min={1} />
      </Field>
      <Field label={words.price}>
        <input {...input('price')} type="number" min={0} step="0.01" />
      </Field>
      {onRemove ? (
        <button type="button" className="secondary" onClick={onRemove}>
          Remove {words.type.toLowerCase()}
          <span className="sr-only">
            {' '}
            {index + 1}
            {unit.name ? ` (${unit.name})` : ''}
          </span>
        </button>
      ) : null}
    </fieldset>
  );
};

export const ListingFormPage = () => {
  const { draftId = '' } = useParams();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft | undefined>(() => draftQueue.get(draftId));
  const [step, setStep] = useState(0);
  const [sync, setSync] = useState<SyncState>({ state: 'saved' });
  const [submitted, setSubmitted] = useState<SyncState | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(
    () =>
      draftQueue.subscribe((id, state) => {
        if (id !== draftId) return;
        setSync(state);
        setDraft(draftQueue.get(draftId));
      }),
    [draftId],
  );
  // What another browser saved since this one last looked is taken in on opening.
  useEffect(() => {
    void draftQueue.refresh(draftId).then(
      () => setDraft(draftQueue.get(draftId)),
      () => undefined,
    );
  }, [draftId]);
  // Leaving the form sends what is pending at once rather than after the pause.
  useEffect(
    () => () => {
      clearTimeout(timer.current);
      void draftQueue.sync(draftId).catch(() => undefined);
    },
    [draftId],
  );

  if (!draft)
    return (
      <>
        <ErrorMessage error={new Error('This draft is not in this browser')} title="No such draft" />
        <p>
          Every listing saved to the server opens from <Link to="/host/listings">My listings</Link>, in any browser.
        </p>
      </>
    );
  const form = draft.form;

  const change = (patch: Partial<ListingForm> & { kind?: ListingKind }) => {
    setDraft(draftQueue.edit(draftId, patch));
    setSubmitted(null);
    // Saved in the browser already; the server gets it after a short pause in typing.
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void draftQueue.sync(draftId), 400);
  };
  const text = (name: keyof ListingForm) => ({
    name,
    value: String(form[name]),
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => change({ [name]: event.target.value }),
  });
  const submit = async () => {
    clearTimeout(timer.current);
    setSubmitted({ state: 'saving' });
    setSubmitted(await draftQueue.submit(draftId));
    setDraft(draftQueue.get(draftId));
  };

  return (
    <section>
      <h1>{form.title || 'New listing'}</h1>
      <SyncStatus sync={sync} pending={Object.keys(pendingChanges(draft)).length} form={form} />
      <ConflictPanel draft={draft} onResolve={(keep) => void draftQueue.resolve(draftId, keep).then(() => setDraft(draftQueue.get(draftId)))} />
      <nav aria-label="Form steps" className="steps">
        <ol>
          {STEPS.map((name, i) => (
            <li key={name}>
              <button type="button" aria-current={i === step ? 'step' : undefined} onClick={() => setStep(i)}>
                {i + 1}. {name}
              </button>
            </li>
          ))}
        </ol>
      </nav>
      <form aria-label={`Listing: ${STEPS[step]}`} onSubmit={(event) => event.preventDefault()} className="stepped">
        {step === 0 && (
          <fieldset>
            <legend>Basics</legend>
            <Field label="Kind">
              <select value={draft.kind} disabled={draft.listingId !== undefined} onChange={(e) => change({ kind: e.target.value as ListingKind })}>
                <option value="rental">Rental (one home)</option>
                <option value="hotel">Hotel (room types)</option>
                <option value="restaurant">Restaurant (tables)</option>
              </select>
            </Field>
            <Field label="Title">
              <input {...text('title')} maxLength={200} />
            </Field>
            <Field label="Description">
              <textarea {...text('description')} rows={6} />
            </Field>
          </fieldset>
        )}
        {step === 1 && (
          <fieldset>
            <legend>Place</legend>
            <Field label="City">
              <input {...text('city')} />
            </Field>
            <Field label="Country code" hint="Two letters, e.g. PT">
              <input {...text('country')} maxLength={2} />
            </Field>
            <Field label="Latitude">
              <input {...text('lat')} inputMode="decimal" />
            </Field>
            <Field label="Longitude">
              <input {...text('lon')} inputMode="decimal" />
            </Field>
            <Field label="Time zone" hint="e.g. Europe/Lisbon">
              <input {...text('timeZone')} />
            </Field>
            <Field label="Address">
              <input {...text('address')} />
            </Field>
          </fieldset>
        )}
        {step === 2 && (
          <fieldset>
            <legend>Details</legend>
            <Field label="Photo URLs" hint="One per line">
              <textarea {...text('photos')} rows={3} />
            </Field>
            <Field label="Amenities" hint="Comma-separated">
              <input {...text('amenities')} />
            </Field>
            {draft.kind === 'restaurant' && (
              <Field label="Cuisine" hint="Comma-separated">
                <input {...text('cuisine')} />
              </Field>
            )}
            <Field label="House rules" hint="One per line">
              <textarea {...text('houseRules')} rows={3} />
            </Field>
          </fieldset>
        )}
        {step === 3 && (
          <fieldset>
            <legend>Units and prices</legend>
            <Field label="Currency" hint="ISO code, e.g. EUR">
              <input {...text('currency')} maxLength={3} />
            </Field>
            {form.units.map((unit, i) => (
              <UnitFields
                key={unit.key}
                kind={draft.kind}
                unit={unit}
                index={i}
                onChange={(changed) => change({ units: form.units.map((u) => (u.key === unit.key ? changed : u)) })}
                {...(form.units.length > 1 ? { onRemove: () => change({ units: form.units.filter((u) => u.key !== unit.key) }) } : {})}
              />
            ))}
            {draft.kind !== 'rental' && (
              <p>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => change({ units: [...form.units, emptyUnit(`type-${newIdempotencyKey().slice(0, 8)}`)] })}
                >
                  Add a {UNIT_WORDS[draft.kind].type.toLowerCase()}
                </button>
              </p>
            )}
            {draft.kind === 'restaurant' && (
              <>
                <Field label="Minutes per seating">
                  <input {...text('slotMinutes')} type="number" min={15} max={480} />
                </Field>
                <Field label="Opens at">
                  <input {...text('opens')} type="time" />
                </Field>
                <Field label="Closes at">
                  <input {...text('closes')} type="time" />
                </Field>
              </>
            )}
          </fieldset>
        )}
        {step === 4 && (
          <fieldset>
            <legend>Policies</legend>
            <label className="check">
              <input type="checkbox" checked={form.instantBook} onChange={(e) => change({ instantBook: e.target.checked })} /> Guests can book instantly
            </label>
            <Field label="Cancellation policy">
              <select {...text('cancellationPolicy')}>
                <option value="flexible">Flexible: full refund up to a day before</option>
                <option value="moderate">Moderate: full refund up to 5 days before, then half</option>
                <option value="strict">Strict: half up to 7 days before, then nothing</option>
              </select>
            </Field>
          </fieldset>
        )}
        <div className="actions">
          {step > 0 && (
            <button type="button" className="secondary" onClick={() => setStep(step - 1)}>
              Back
            </button>
          )}
          {step < STEPS.length - 1 ? (
            <button type="button" onClick={() => setStep(step + 1)}>
              Next
            </button>
          ) : (
            <button type="button" onClick={submit} disabled={submitted?.state === 'saving'}>
              {draft.published ? 'Publish again' : 'Publish listing'}
            </button>
          )}
        </div>
      </form>
      {submitted?.state === 'rejected' && <ErrorMessage error={submitted.error} title="Could not publish" />}
      {submitted?.state === 'offline' && (
        <p role="alert" className="error">
          You are offline: everything is kept in this browser. Publish again when the connection is back.
        </p>
      )}
      {draft.published && submitted?.state === 'saved' && (
        <p role="status" className="notice">
          Published as listing <Link to={`/listings/${draft.listingId}`}>{draft.listingId}</Link>.
        </p>
      )}
      <p className="muted">
        {draft.listingId ? `Listing ${draft.listingId}` : 'No answer from the server yet'} · {Object.keys(pendingChanges(draft)).length} field(s) not yet on the
        server ·{' '}
        <button type="button" className="link" onClick={() => navigate('/host/listings')}>
          all my listings
        </button>
      </p>
    </section>
  );
};
