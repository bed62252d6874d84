/** Reading typed values out of a submitted form. */
export function text(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === 'string' ? v.trim() : '';
}

export function checked(form: FormData, name: string): boolean {
  return form.get(name) === 'on';
}

/** `<input type="date">` → the end of that day, local time; empty → null. */
export function dateOrNull(form: FormData, name: string): Date | null {
  const v = text(form, name);
  return v ? new Date(`${v}T23:59:59`) : null;
}

/** Comma- or space-separated list. */
export function list(form: FormData, name: string): string[] {
  return text(form, name)
    .split(/[\s,]+/)
    .filter(Boolean);
}

/** A date as `<input type="date">` wants it. */
export function dateInput(d: Date | null): string {
  if (!d) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
