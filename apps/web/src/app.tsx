// The app's routes; the server answers every non-API path with index.html, so client routing works.

import { lazy, Suspense } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { AuthProvider } from './auth/auth-context';
import { CollectionPage } from './collections/collection-page';
import { CollectionsPage } from './collections/collections-page';
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
// The chat page carries the markdown renderer and highlighter; the usage page the charts.
const ChatPage = lazy(() => import('./chat/chat-page').then((m) => ({ default: m.ChatPage })));
const LlmUsagePage = lazy(() => import('./chat/llm-usage-page').then((m) => ({ default: m.LlmUsagePage })));
const LlmAdminPage = lazy(() =>
  import('./llm-admin/llm-admin-page').then((m) => ({ default: m.LlmAdminPage })),
);

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
            <Route
              path="chat"
              element={
                <Suspense fallback={<Spinner label="Loading" />}>
                  <ChatPage />
                </Suspense>
              }
            />
            <Route
              path="llm-usage"
              element={
                <Suspense fallback={<Spinner label="Loading" />}>
                  <LlmUsagePage />
                </Suspense>
              }
            />
            <Route path="collections" element={<CollectionsPage />} />
            <Route path="collections/:name" element={<CollectionPage />} />
            <Route
              path="admin/llm"
              element={
                <Suspense fallback={<Spinner label="Loading" />}>
                  <LlmAdminPage />
                </Suspense>
              }
            />
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
