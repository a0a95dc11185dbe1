import { setupServer } from 'msw/node';

/** The network layer of the component tests: each test adds the handlers it needs. */
export const server = setupServer();
