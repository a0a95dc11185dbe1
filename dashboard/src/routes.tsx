import { Route, Routes } from 'react-router';

import { Layout } from './components/Layout';
import { AppsPage } from './features/apps/AppsPage';
import { AuditPage } from './features/audit/AuditPage';
import { DeploymentPage } from './features/deployments/DeploymentPage';
import { GithubSettingsPage } from './features/github/GithubSettingsPage';
import { MembersPage } from './features/members/MembersPage';
import { NotificationsPage } from './features/notifications/NotificationsPage';
import { TokensPage } from './features/tokens/TokensPage';
import { HistoryPage } from './features/deployments/HistoryPage';
import { PipelinePage } from './features/pipeline/PipelinePage';
import { EnvironmentSettingsPage } from './features/settings/EnvironmentSettingsPage';

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<AppsPage />} />
        <Route path="apps/:app" element={<PipelinePage />} />
        <Route path="apps/:app/members" element={<MembersPage />} />
        <Route path="apps/:app/notifications" element={<NotificationsPage />} />
        <Route path="apps/:app/environments/:env" element={<HistoryPage />} />
        <Route path="apps/:app/environments/:env/settings" element={<EnvironmentSettingsPage />} />
        <Route path="deployments/:id" element={<DeploymentPage />} />
        <Route path="settings/github" element={<GithubSettingsPage />} />
        <Route path="settings/tokens" element={<TokensPage />} />
        <Route path="audit" element={<AuditPage />} />
        <Route path="*" element={<p role="alert">There is no such page.</p>} />
      </Route>
    </Routes>
  );
}
