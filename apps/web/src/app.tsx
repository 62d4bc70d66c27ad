// The app's routes; the server answers every non-API path with index.html, so client routing works.

import { lazy, Suspense } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { AuthProvider } from './auth/auth-context';
import { AppLayout } from './components/app-layout';
import { Spinner } from './components/spinner';
import { observabilityRoutes } from './observability/routes';
import { AccountPage } from './pages/account-page';
import { AuditPage } from './pages/audit-page';
import { CatalogPage } from './pages/catalog-page';
import { KeysPage } from './pages/keys-page';
import { LoginPage } from './pages/login-page';
import { NotFoundPage } from './pages/not-found-page';
import { UploadPage } from './pages/upload-page';
import { UsersPage } from './pages/users-page';

// The model page carries the chart library; load it only when a model is opened.
const ModelPage = lazy(() => import('./pages/model-page').then((m) => ({ default: m.ModelPage })));

export function App() {
  return (
    <BrowserRouter>
      <AuthProvider>
        <Routes>
          <Route element={<AppLayout />}>
            <Route index element={<CatalogPage />} />
            <Route
              path="models/:name"
              element={
                <Suspense fallback={<Spinner label="Loading" />}>
                  <ModelPage />
                </Suspense>
              }
            />
            <Route path="upload" element={<UploadPage />} />
            <Route path="login" element={<LoginPage />} />
            <Route path="audit" element={<AuditPage />} />
            <Route path="keys" element={<KeysPage />} />
            <Route path="users" element={<UsersPage />} />
            <Route path="account" element={<AccountPage />} />
            {observabilityRoutes}
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </AuthProvider>
    </BrowserRouter>
  );
}
