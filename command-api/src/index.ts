export * from './server.ts';
export * from './compose.ts';
export { hashPassword } from './identity/passwords.ts';
export { checkoutWorkflow } from './commerce/index.ts';
