'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { formatBytes } from '@/components/ui/format';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';

type Volume = { volid: string; sizeBytes: number; format: string; content: string };

/** The node's `local` storage: ISO images (with upload) and disk images. */
export function NodeStorage({ node }: { node: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const volumes = useQuery(trpc.node.volumes.queryOptions({ node, storage: 'local' }, { refetchInterval: 10_000 }));
  const file = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  function upload() {
    const f = file.current?.files?.[0];
    if (!f) return setError('choose an .iso file first');
    setError(null);
    // XMLHttpRequest, not fetch: it reports upload progress.
    const xhr = new XMLHttpRequest();
    xhr.open(
      'POST',
      `/api/nodes/${encodeURIComponent(node)}/storage/local/upload?filename=${encodeURIComponent(f.name)}`,
    );
    xhr.upload.onprogress = (e) => setProgress(`${Math.round((e.loaded / Math.max(1, e.total)) * 100)}%`);
    xhr.onload = () => {
      setProgress(null);
      if (xhr.status >= 300) {
        try {
          setError((JSON.parse(xhr.responseText) as { error: string }).error);
        } catch {
          setError(`upload failed (${xhr.status})`);
        }
      } else {
        if (file.current) file.current.value = '';
        void qc.invalidateQueries({ queryKey: trpc.node.volumes.queryKey() });
      }
    };
    xhr.onerror = () => {
      setProgress(null);
      setError('upload failed: the connection was lost');
    };
    xhr.send(f);
  }

  const columns: Column<Volume>[] = [
    { key: 'volid', header: 'Volume', value: (v) => v.volid },
    { key: 'content', header: 'Content', value: (v) => v.content },
    { key: 'format', header: 'Format', value: (v) => v.format },
    { key: 'size', header: 'Size', value: (v) => v.sizeBytes, render: (v) => formatBytes(v.sizeBytes) },
  ];
  return (
    <Section title="Storage local">
      <div className="flex items-center gap-2">
        <label className="text-sm" htmlFor="iso-file">
          ISO image
        </label>
        <input id="iso-file" ref={file} type="file" accept=".iso" className="text-sm" />
        <Button onClick={upload} disabled={progress !== null}>
          {progress ? `Uploading ${progress}` : 'Upload'}
        </Button>
      </div>
      {(error ?? volumes.error?.message) && <Alert>{error ?? volumes.error?.message}</Alert>}
      <DataTable
        label="Volumes"
        rows={volumes.data ?? []}
        columns={columns}
        rowKey={(v) => v.volid}
        empty="No volumes yet."
      />
    </Section>
  );
}
