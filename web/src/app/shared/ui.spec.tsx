// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api.ts';
import type { Resource } from './resource.ts';
import { AsyncList, ErrorMessage } from './ui.tsx';

afterEach(cleanup);

const list = (resource: Resource<{ items: string[] }>, reload = vi.fn()) =>
  render(
    <AsyncList resource={{ ...resource, reload }} what="trips" empty="No trips yet." items={(data: { items: string[] }) => data.items}>
      {(items) => (
        <ul>
          {items.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
      )}
    </AsyncList>,
  );

describe('a list', () => {
  it('says it is loading', () => {
    list({ state: 'loading' });
    expect(screen.getByRole('status').textContent).toBe('Loading trips…');
  });

  it('shows the problem detail of a failed load, with a retry', () => {
    const reload = vi.fn();
    list({ state: 'error', error: new ApiError(409, { title: 'Conflict', detail: 'The read model is still catching up' }) }, reload);
    expect(screen.getByRole('alert').textContent).toContain('The read model is still catching up');
    screen.getByRole('button', { name: 'Try again' }).click();
    expect(reload).toHaveBeenCalledOnce();
  });

  it('says what to do when empty', () => {
    list({ state: 'ok', data: { items: [] } });
    expect(screen.getByText('No trips yet.')).toBeTruthy();
  });

  it('shows the items, and keeps showing them while reloading', () => {
    list({ state: 'loading', data: { items: ['Lisbon', 'Porto'] } });
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Lisbon', 'Porto']);
  });
});

describe('an error message', () => {
  it('names the fields a 400 named', () => {
    const error = new ApiError(400, {
      detail: 'The request does not match the schema',
      errors: [{ path: 'checkOut', message: 'checkOut must be after checkIn' }],
    });
    render(<ErrorMessage error={error} title="Could not book" />);
    expect(screen.getByRole('alert').textContent).toBe('Could not book: The request does not match the schema (checkOut: checkOut must be after checkIn)');
  });
});
