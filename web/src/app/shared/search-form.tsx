import type { FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { Field } from './ui.tsx';

/**
 * A search kept in the page's URL (so it can be shared and survives a reload): each field's value
 * as typed, prices in minor units for the API, and a submit that writes the filled fields back.
 */
export const useUrlSearch = () => {
  const [params, setParams] = useSearchParams();
  const value = (name: string) => params.get(name) ?? '';
  const minor = (name: string) => (value(name) ? Math.round(Number(value(name)) * 100) : undefined);
  const submit = (event: FormEvent<HTMLFormElement>, complete: (next: URLSearchParams) => void = () => undefined) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, entry] of new FormData(event.currentTarget)) if (typeof entry === 'string' && entry.trim()) next.set(name, entry.trim());
    complete(next);
    setParams(next);
  };
  return { params, value, minor, submit };
};

export const SelectField = ({ label, name, value, options }: { label: string; name: string; value: string; options: [value: string, label: string][] }) => (
  <Field label={label}>
    <select name={name} defaultValue={value}>
      {options.map(([option, text]) => (
        <option key={option} value={option}>
          {text}
        </option>
      ))}
    </select>
  </Field>
);

export const PriceFields = ({ value }: { value: (name: string) => string }) => (
  <>
    <Field label="Min price">
      <input name="minPrice" type="number" min={0} step="any" defaultValue={value('minPrice')} />
    </Field>
    <Field label="Max price">
      <input name="maxPrice" type="number" min={0} step="any" defaultValue={value('maxPrice')} />
    </Field>
  </>
);
