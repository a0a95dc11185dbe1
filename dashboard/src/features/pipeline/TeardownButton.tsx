import type { ReactNode } from 'react';

import type { App, Environment } from '../../api/types';
import { useApi } from '../../auth/SessionContext';
import { ActionButton } from '../../components/ActionButton';
import type { Confirmation } from '../../hooks/useDeploymentAction';

/** Tears an environment down after asking; `children` says what will be removed. */
export function TeardownButton({
  app,
  env,
  disabledReason,
  ask,
  children,
}: {
  app: App;
  env: Environment;
  disabledReason: string | undefined;
  ask: (question: Confirmation) => void;
  children: ReactNode;
}) {
  const api = useApi();
  return (
    <ActionButton
      className="button button-danger"
      disabledReason={disabledReason}
      onClick={() =>
        ask({
          title: `Tear down ${env.name} of ${app.name}?`,
          body: <p>{children}</p>,
          label: `Tear down ${env.name}`,
          danger: true,
          run: () => api.teardown(app.name, env.name),
        })
      }
    >
      Tear down
    </ActionButton>
  );
}
