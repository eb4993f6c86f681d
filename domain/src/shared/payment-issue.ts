import { z } from 'zod';

/**
 * A money task (capture, refund, payout) that kept failing and was parked for a person to look at.
 * It is recorded on the booking or order it concerns, so that nobody is left waiting in silence,
 * and resolved when the task later succeeds (after an operator's retry).
 */
export const PaymentOperation = z.enum(['capture', 'refund', 'payout']);
export type PaymentOperation = z.infer<typeof PaymentOperation>;

export const PaymentIssueFields = { taskId: z.string().min(1), operation: PaymentOperation, error: z.string().max(2000) };
export type PaymentIssue = { taskId: string; operation: PaymentOperation; error: string; since: string };

/** Raising an issue already open, or resolving one not open, changes nothing. */
export const isOpen = (issues: readonly PaymentIssue[], taskId: string): boolean => issues.some((issue) => issue.taskId === taskId);

export const withIssue = (issues: readonly PaymentIssue[], issue: PaymentIssue): PaymentIssue[] =>
  isOpen(issues, issue.taskId) ? [...issues] : [...issues, issue];

export const withoutIssue = (issues: readonly PaymentIssue[], taskId: string): PaymentIssue[] => issues.filter((issue) => issue.taskId !== taskId);
