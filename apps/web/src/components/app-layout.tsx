// The frame of every page: the header with navigation, then the page itself.

import { NavLink, Outlet, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth/auth-context';
import { Button } from './button';
import { navItems } from './nav-items';

const navClass = ({ isActive }: { isActive: boolean }) =>
  `rounded-md px-3 py-2 text-sm font-medium transition-colors ${
    isActive ? 'bg-slate-100 text-slate-900' : 'text-slate-600 hover:bg-slate-50 hover:text-slate-900'
  }`;

function Logo() {
  return (
    <svg aria-hidden="true" viewBox="0 0 32 32" className="size-7">
      <rect width="32" height="32" rx="7" fill="#059669" />
      <path
        d="M16 25V14M16 14c0-4 3-7 8-7 0 4-3 7-8 7Zm0 3c0-3-2.5-6-7-6 0 3 2.5 6 7 6Z"
        stroke="#fff"
        strokeWidth="2.2"
        fill="none"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

function MainNav() {
  const { session } = useAuth();
  return (
    <nav aria-label="Main" className="flex items-center gap-1">
      {navItems
        .filter((item) => item.show?.(session) ?? true)
        .map((item) =>
          item.external ? (
            <a key={item.to} href={item.to} className={navClass({ isActive: false })}>
              {item.label}
            </a>
          ) : (
            <NavLink key={item.to} to={item.to} end={item.end} className={navClass}>
              {item.label}
            </NavLink>
          ),
        )}
    </nav>
  );
}

/** Who is signed in, with sign out; or a sign-in link. */
function SessionControls() {
  const { session, logout } = useAuth();
  const navigate = useNavigate();
  if (!session) return null;
  return (
    <div className="ml-auto flex items-center gap-3 text-sm">
      {session.user ? (
        <>
          <NavLink to="/keys" className={navClass}>
            API keys
          </NavLink>
          <NavLink to="/account" className={navClass} aria-label={`Account of ${session.user.name}`}>
            <span data-testid="signed-in-user" className="text-slate-600">
              {session.user.name} <span className="text-slate-400">({session.user.role})</span>
            </span>
          </NavLink>
          <Button
            variant="ghost"
            onClick={async () => {
              // Leave the page first: its queries would answer 401 once the session ends and send the
              // browser to the login page a second time, reloading it.
              navigate('/login');
              await logout();
            }}
          >
            Sign out
          </Button>
        </>
      ) : (
        <NavLink to="/login" className={navClass}>
          Sign in
        </NavLink>
      )}
    </div>
  );
}

export function AppLayout() {
  return (
    <div className="min-h-screen bg-slate-50 text-slate-900">
      <header className="sticky top-0 z-10 border-b border-slate-200 bg-white/90 backdrop-blur">
        <div className="mx-auto flex h-14 max-w-6xl items-center gap-6 px-4 sm:px-6">
          <NavLink to="/" className="flex items-center gap-2 font-semibold tracking-tight text-slate-900">
            <Logo />
            Model Garden
          </NavLink>
          <MainNav />
          <SessionControls />
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
        <Outlet />
      </main>
    </div>
  );
}
