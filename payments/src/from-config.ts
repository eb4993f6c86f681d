import { assertNever } from '@stayhub/domain';
import type { Config } from '@stayhub/platform-kit';
import { HttpPaymentGateway, type HttpPaymentGatewayOptions } from './http-client.ts';
import { SimulatedGateway } from './simulated.ts';

/** The gateway `PAYMENTS` names: the in-process simulation, or the HTTP client for `PAYMENT_GATEWAY_URL`. */
export const paymentGatewayFromConfig = (
  config: Pick<Config, 'PAYMENTS' | 'PAYMENT_GATEWAY_URL'>,
  http: Omit<HttpPaymentGatewayOptions, 'baseUrl'> = {},
): SimulatedGateway | HttpPaymentGateway => {
  switch (config.PAYMENTS) {
    case 'simulated':
      return new SimulatedGateway();
    case 'http':
      if (!config.PAYMENT_GATEWAY_URL) throw new Error('PAYMENT_GATEWAY_URL is required when PAYMENTS=http');
      return new HttpPaymentGateway({ ...http, baseUrl: config.PAYMENT_GATEWAY_URL });
    default:
      return assertNever(config.PAYMENTS);
  }
};
