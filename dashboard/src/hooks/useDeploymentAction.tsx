import { useMutation } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';

import type { Deployment } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';

export interface Confirmation {
  title: string;
  body: ReactNode;
  label: string;
  danger: boolean;
  run: () => Promise<Deployment>;
}

/** An action that starts a deployment (deploy, promote, rollback, teardown, cancel), at once
 * (`go`) or after a question (`ask`); `dialog` is the question while it is open. */
export function useDeploymentAction(onSuccess: (deployment: Deployment) => void) {
  const [confirmation, setConfirmation] = useState<Confirmation | undefined>();
  const action = useMutation({ mutationFn: (run: () => Promise<Deployment>) => run(), onSuccess });
  const go = (run: () => Promise<Deployment>) => {
    action.reset();
    action.mutate(run);
  };
  const ask = (question: Confirmation) => {
    action.reset();
    setConfirmation(question);
  };
  const dialog = confirmation ? (
    <ConfirmDialog
      title={confirmation.title}
      confirmLabel={confirmation.label}
      danger={confirmation.danger}
      onCancel={() => setConfirmation(undefined)}
      onConfirm={() => {
        setConfirmation(undefined);
        go(confirmation.run);
      }}
    >
      {confirmation.body}
    </ConfirmDialog>
  ) : null;
  return { action, go, ask, dialog };
}
