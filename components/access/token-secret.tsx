import { Alert } from '@/components/ui/alert';

/** The one time a token secret is shown. */
export function TokenSecret({ tokenid, secret }: { tokenid: string; secret: string }) {
  return (
    <Alert tone="info">
      <p className="font-medium">Token {tokenid} created. Copy the secret now: it is not shown again.</p>
      <p className="mt-1">
        Secret: <code data-testid="token-secret">{secret}</code>
      </p>
      <p className="mt-1 text-xs">
        Use it as{' '}
        <code>
          Authorization: PVEAPIToken={tokenid}={'<secret>'}
        </code>
      </p>
    </Alert>
  );
}
