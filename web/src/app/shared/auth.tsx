import { createContext, useContext, useState, type FormEvent, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { ApiError, loadSession, post, saveSession, type Session } from './api.ts';
import { ErrorMessage, Field } from './ui.tsx';

type Auth = { session: Session | null; signIn: (session: Session) => void; signOut: () => void };
const AuthContext = createContext<Auth>({ session: null, signIn: () => undefined, signOut: () => undefined });

export const AuthProvider = ({ children }: { children: ReactNode }) => {
  const [session, setSession] = useState<Session | null>(loadSession);
  const signIn = (next: Session) => {
    saveSession(next);
    setSession(next);
  };
  const signOut = () => {
    saveSession(null);
    setSession(null);
  };
  return <AuthContext.Provider value={{ session, signIn, signOut }}>{children}</AuthContext.Provider>;
};

export const useAuth = () => useContext(AuthContext);

/** Shows `children` to a signed-in user of one of `roles` (admins pass everywhere), else the sign-in form. */
export const RequireRole = ({ roles, children }: { roles?: Session['role'][]; children: ReactNode }) => {
  const { session } = useAuth();
  if (!session) return <SignInPage />;
  if (roles && !roles.includes(session.role) && session.role !== 'admin') {
    return (
      <p role="alert" className="error">
        This page is for {roles.join(' or ')} accounts; you are signed in as a {session.role}.
      </p>
    );
  }
  return <>{children}</>;
};

export const SignInPage = () => {
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email'));
    const body =
      mode === 'login'
        ? { email, password: String(form.get('password')) }
        : { email, password: String(form.get('password')), name: String(form.get('name')), role: String(form.get('role')) };
    setBusy(true);
    setError(null);
    try {
      // Registration answers 202 alike for a new and a taken email (the mail says which); the
      // account's token comes from logging in with the same email and password.
      if (mode === 'register') await post('command', '/auth/register', body, { token: null });
      const session = await post<Omit<Session, 'email'>>('command', '/auth/login', { email, password: body.password }, { token: null }).catch(
        (caught: unknown) => {
          if (mode === 'register' && caught instanceof ApiError && caught.status === 401) {
            throw new Error('We have sent a mail to this address. If it already has an account, sign in with its password.');
          }
          throw caught;
        },
      );
      signIn({ ...session, email });
      if (location.pathname === '/sign-in') navigate('/');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="narrow">
      <h1>{mode === 'login' ? 'Sign in' : 'Create an account'}</h1>
      <form onSubmit={submit} aria-label={mode === 'login' ? 'Sign in' : 'Create an account'}>
        {mode === 'register' && (
          <>
            <Field label="Name">
              <input name="name" required autoComplete="name" />
            </Field>
            <Field label="I am a">
              <select name="role" defaultValue="guest">
                <option value="guest">Guest or shopper</option>
                <option value="host">Host or seller</option>
              </select>
            </Field>
          </>
        )}
        <Field label="Email">
          <input name="email" type="email" required autoComplete="email" />
        </Field>
        <Field label="Password" hint={mode === 'register' ? 'At least 10 characters' : undefined}>
          <input name="password" type="password" required autoComplete={mode === 'login' ? 'current-password' : 'new-password'} />
        </Field>
        {error ? <ErrorMessage error={error} title={mode === 'login' ? 'Could not sign in' : 'Could not register'} /> : null}
        <button type="submit" disabled={busy}>
          {mode === 'login' ? 'Sign in' : 'Create account'}
        </button>
      </form>
      <p>
        <button type="button" className="link" onClick={() => setMode(mode === 'login' ? 'register' : 'login')}>
          {mode === 'login' ? 'New here? Create an account' : 'Have an account? Sign in'}
        </button>
      </p>
    </section>
  );
};
