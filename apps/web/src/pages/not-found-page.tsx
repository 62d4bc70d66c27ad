// Shown for any path the app does not know.

import { Link } from 'react-router-dom';
import { buttonClass } from '../components/button';

export function NotFoundPage() {
  return (
    <div className="py-16 text-center">
      <p className="text-sm font-semibold text-emerald-700">404</p>
      <h1 className="mt-2 text-2xl font-bold tracking-tight text-slate-900">Page not found</h1>
      <p className="mt-2 text-sm text-slate-500">There is nothing at this address.</p>
      <Link to="/" className={buttonClass('secondary', 'mt-6')}>
        Back to the models
      </Link>
    </div>
  );
}
