import { useEffect, useRef, useState } from 'react';
import { get, post } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList, ErrorMessage, formatDate, Loading, StatusBadge } from '../shared/ui.tsx';

type Parked = { eventId: string; position: string; type: string; streamId: string; error: string; parkedAt: string };
type Projection = { name: string; target: string; position: string; lag: number | null; parked: number; updatedAt: string | null; parkedEvents: Parked[] };
type Task = { taskId: string; workflow: string; dueAt: string; attempts: number; lastError: string | null; parkedAt: string | null };
type Subscription = { workflow: string; position: string; lag: number | null; parked: number; lastError: string | null; stuck: boolean };
type Tasks = { counts: { pending: number; overdue: number; parked: number; subscriptions: Subscription[] }; due: Task[]; parked: Task[] };
type RebuildJob = {
  projection: string;
  status: 'running' | 'done' | 'failed';
  done: number;
  total: number;
  outcome: { status: string; events: number; seconds: number } | null;
  error: string | null;
};
type Part = { name: string; status: string; httpStatus: number | null; health: unknown };

/** Reloads every few seconds while the page is open, so lag is seen moving. */
const useEvery = (ms: number, reloads: (() => void)[]) => {
  // the latest reloads are called without restarting the timer on every render
  const latest = useRef(reloads);
  latest.current = reloads;
  useEffect(() => {
    const timer = setInterval(() => {
      for (const reload of latest.current) reload();
    }, ms);
    return () => clearInterval(timer);
  }, [ms]);
};

/** The outcome is told by the page: this button goes away with the last parked event. */
const RetryParked = ({ projection, onDone }: { projection: string; onDone: (outcome: string) => void }) => {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const retry = async () => {
    setBusy(true);
    setError(null);
    try {
      const outcome = await post<{ retried: string[]; failed: { eventId: string; error: string }[] }>('ops', `/admin/projections/${projection}/parked/retry`);
      onDone(`Retried the parked events of ${projection}: ${outcome.retried.length} applied, ${outcome.failed.length} still failing.`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" onClick={retry} disabled={busy}>
        {busy ? 'Retrying…' : `Retry parked events of ${projection}`}
      </button>
      {error ? <ErrorMessage error={error} title="Could not retry" /> : null}
    </>
  );
};

/** Starts a rebuild and shows its progress until it is done (the projectors run one at a time). */
const Rebuilds = ({ names, onDone }: { names: string[]; onDone: () => void }) => {
  const current = useResource('rebuild', (signal) => get<{ rebuild: RebuildJob | null }>('ops', '/admin/rebuilds/current', { signal }));
  const [error, setError] = useState<unknown>(null);
  const job = current.data?.rebuild ?? null;
  const running = job?.status === 'running';
  // told once the rebuild stops running, whether or not the parent passed a new callback since
  const done = useRef(onDone);
  done.current = onDone;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(current.reload, 1000);
    return () => {
      clearInterval(timer);
      done.current();
    };
  }, [running, current.reload]);
  const start = async (projection: string) => {
    setError(null);
    try {
      await post('ops', '/admin/rebuilds', { projection, swap: true });
      current.reload();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <div className="panel">
      <h3>Rebuild a projection</h3>
      <p className="muted">Into a fresh copy beside the live one, which serves until the copy has caught up and is swapped in.</p>
      <div className="actions">
        {names.map((name) => (
          <button key={name} type="button" className="secondary" disabled={running} onClick={() => start(name)}>
            Rebuild {name}
          </button>
        ))}
      </div>
      {error ? <ErrorMessage error={error} title="Could not start the rebuild" /> : null}
      {current.state === 'error' && <ErrorMessage error={current.error} title="Could not read the rebuild's progress" />}
      {job && (
        <div role="status" aria-live="polite" className="rebuild">
          {job.status === 'running' ? (
            <label>
              Rebuilding {job.projection}: {job.done} of {job.total} events{' '}
              <progress value={job.done} max={Math.max(1, job.total)}>
                {job.done} of {job.total}
              </progress>
            </label>
          ) : job.status === 'done' ? (
            <p>
              Rebuild of {job.projection}: {job.outcome?.status}, {job.outcome?.events} events in {job.outcome?.seconds.toFixed(1)} s.
            </p>
          ) : (
            <p className="error-text">
              Rebuild of {job.projection} failed: {job.error}
            </p>
          )}
        </div>
      )}
    </div>
  );
};

const TaskTable = ({ tasks, caption }: { tasks: Task[]; caption: string }) =>
  tasks.length === 0 ? (
    <p className="empty">{caption}: none.</p>
  ) : (
    <table className="table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Task</th>
          <th scope="col">Workflow</th>
          <th scope="col">Due</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last error</th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((t) => (
          <tr key={t.taskId}>
            <td>{t.taskId}</td>
            <td>{t.workflow}</td>
            <td>{formatDate(t.dueAt)}</td>
            <td>{t.attempts}</td>
            <td>{t.lastError ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );

export const OperatorPage = () => {
  const parts = useResource('parts', (signal) => fetch('/api/parts', { signal }).then((r) => r.json() as Promise<{ parts: Part[] }>));
  const projections = useResource('projections', (signal) => get<{ projections: Projection[] }>('ops', '/admin/projections', { signal }));
  const tasks = useResource('tasks', (signal) => get<Tasks>('ops', '/admin/workflows/tasks', { signal }));
  const [retried, setRetried] = useState<string | null>(null);
  useEvery(3000, [parts.reload, projections.reload, tasks.reload]);
  return (
    <section>
      <h1>Operations</h1>
      <h2>Health</h2>
      <AsyncList resource={parts} what="health" empty="No parts known." items={(data: { parts: Part[] }) => data.parts}>
        {(items) => (
          <ul className="parts">
            {items.map((part) => (
              <li key={part.name} className="card">
                <strong>{part.name}</strong> <StatusBadge status={part.status} />
              </li>
            ))}
          </ul>
        )}
      </AsyncList>
      <h2>Projections</h2>
      {retried && (
        <p role="status" className="notice">
          {retried}
        </p>
      )}
      <AsyncList resource={projections} what="projections" empty="No projections." items={(data: { projections: Projection[] }) => data.projections}>
        {(items) => (
          <>
            <table className="table" aria-label="Projections">
              <thead>
                <tr>
                  <th scope="col">Projection</th>
                  <th scope="col">Lag (events)</th>
                  <th scope="col">Parked</th>
                  <th scope="col">Position</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => (
                  <tr key={p.name} data-projection={p.name}>
                    <th scope="row">{p.name}</th>
                    <td className={p.lag ? 'warn' : ''}>{p.lag ?? 'unknown'}</td>
                    <td className={p.parked ? 'warn' : ''}>{p.parked}</td>
                    <td>
                      <code>{p.position || '—'}</code>
                    </td>
                    <td>{p.updatedAt ? formatDate(p.updatedAt) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {items
              .filter((p) => p.parkedEvents.length > 0)
              .map((p) => (
                <div key={p.name} className="panel">
                  <h3>Parked in {p.name}</h3>
                  <ul>
                    {p.parkedEvents.map((e) => (
                      <li key={e.eventId}>
                        <code>{e.type}</code> of <code>{e.streamId}</code> at {formatDate(e.parkedAt)}: <span className="error-text">{e.error}</span>
                      </li>
                    ))}
                  </ul>
                  <RetryParked
                    projection={p.name}
                    onDone={(outcome) => {
                      setRetried(outcome);
                      projections.reload();
                    }}
                  />
                </div>
              ))}
          </>
        )}
      </AsyncList>
      {projections.data && <Rebuilds names={projections.data.projections.map((p) => p.name)} onDone={projections.reload} />}
      <h2>Workflow tasks</h2>
      {tasks.state === 'error' && <ErrorMessage error={tasks.error} title="Could not load workflow tasks" />}
      {tasks.state === 'loading' && !tasks.data && <Loading what="workflow tasks" />}
      {tasks.data && (
        <>
          <p>
            {tasks.data.counts.pending} pending, {tasks.data.counts.overdue} overdue, {tasks.data.counts.parked} parked
          </p>
          {tasks.data.counts.subscriptions.length > 0 && (
            <table className="table">
              <caption>Workflows following the event store</caption>
              <thead>
                <tr>
                  <th scope="col">Workflow</th>
                  <th scope="col">Lag (events)</th>
                  <th scope="col">Parked events</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {tasks.data.counts.subscriptions.map((s) => (
                  <tr key={s.workflow}>
                    <th scope="row">
                      {s.workflow} {s.stuck && <StatusBadge status="stuck" />}
                    </th>
                    <td className={s.lag ? 'warn' : ''}>{s.lag ?? 'unknown'}</td>
                    <td className={s.parked ? 'warn' : ''}>{s.parked}</td>
                    <td>{s.lastError ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <TaskTable tasks={tasks.data.due} caption="Due next" />
          <TaskTable tasks={tasks.data.parked} caption="Parked" />
        </>
      )}
    </section>
  );
};
