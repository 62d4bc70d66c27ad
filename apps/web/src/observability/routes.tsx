// The observability pages' routes, lazily loaded (they carry the chart library).

import { lazy, Suspense } from 'react';
import { Route } from 'react-router-dom';
import { Spinner } from '../components/spinner';

const MetricsPage = lazy(() => import('./metrics-page').then((m) => ({ default: m.MetricsPage })));
const DriftPage = lazy(() => import('./drift-page').then((m) => ({ default: m.DriftPage })));
const PredictionsPage = lazy(() =>
  import('./predictions-page').then((m) => ({ default: m.PredictionsPage })),
);

const withSpinner = (node: React.ReactNode) => (
  <Suspense fallback={<Spinner label="Loading" />}>{node}</Suspense>
);

/** Route elements to place inside the app layout's <Route>. */
export const observabilityRoutes = [
  <Route key="metrics" path="monitoring" element={withSpinner(<MetricsPage />)} />,
  <Route key="drift" path="models/:name/drift" element={withSpinner(<DriftPage />)} />,
  <Route key="predictions" path="models/:name/predictions" element={withSpinner(<PredictionsPage />)} />,
];
