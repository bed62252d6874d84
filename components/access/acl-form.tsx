'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CheckboxField } from '@/components/ui/checkbox';
import { SelectField, TextField } from '@/components/ui/field';
import { FormCard } from '@/components/ui/form-card';
import { useTRPC } from '@/components/trpc';
import { checked, text } from './form-values';

/** Adds one ACL entry: a role for a user, group or token on a path. */
export function AclForm({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const roles = useQuery(trpc.access.roles.list.queryOptions());
  const grant = useMutation(
    trpc.access.acl.grant.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.access.acl.pathKey() }).then(onDone),
    }),
  );
  return (
    <FormCard
      title="Add permission"
      submit="Add"
      busy={grant.isPending}
      error={grant.error?.message}
      onCancel={onDone}
      onSubmit={(f) =>
        grant.mutate({
          path: text(f, 'path'),
          type: text(f, 'type') as 'user' | 'group' | 'token',
          ugid: text(f, 'ugid'),
          roleid: text(f, 'roleid'),
          propagate: checked(f, 'propagate'),
        })
      }
    >
      <div className="grid grid-cols-2 gap-3">
        <TextField
          label="Path"
          name="path"
          required
          placeholder="/vms/100"
          hint="/, /vms/{vmid}, /nodes/{node}, /storage/{id}, /pool/{pool}, /access/groups/{group} …"
        />
        <SelectField label="Type" name="type" defaultValue="user">
          <option value="user">User</option>
          <option value="group">Group</option>
          <option value="token">API token</option>
        </SelectField>
        <TextField label="User, group or token" name="ugid" required placeholder="alice@local" />
        <SelectField label="Role" name="roleid" defaultValue="PVEAuditor">
          {(roles.data ?? []).map((r) => (
            <option key={r.roleid} value={r.roleid}>
              {r.roleid}
            </option>
          ))}
        </SelectField>
      </div>
      <CheckboxField label="Propagate" name="propagate" defaultChecked />
    </FormCard>
  );
}
