import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { csrfHeaders } from '../../../lib/csrf';

async function signOut(): Promise<void> {
  const response = await fetch('/auth/logout', {
    method: 'POST',
    credentials: 'include',
    headers: csrfHeaders(),
  });
  if (!response.ok) throw new Error(`Sign out failed (${response.status})`);
}

export function useSignOut() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: signOut,
    onSuccess: async () => {
      // Drop everything cached for this admin before anyone else uses the tab.
      queryClient.clear();
      await navigate({ to: '/sign-in' });
    },
  });
}
