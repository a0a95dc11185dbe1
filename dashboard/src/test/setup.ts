import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';

import { server } from './server';

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
  window.localStorage.clear();
});
afterAll(() => server.close());

// jsdom lays nothing out, so every element measures 0×0 and a virtualised list would show no
// line. The log's scroll box gets the size it has in a browser; nothing else is sized.
for (const [property, size] of [
  ['clientHeight', 600],
  ['clientWidth', 800],
] as const) {
  const original = Object.getOwnPropertyDescriptor(Element.prototype, property);
  Object.defineProperty(HTMLElement.prototype, property, {
    configurable: true,
    get(this: HTMLElement) {
      if (this.classList.contains('log-scroller')) return size;
      return (original?.get?.call(this) as number | undefined) ?? 0;
    },
  });
}
// Nor does it scroll: scrollTop stays 0 whatever is set. The log's box keeps what it is given.
const offsets = new WeakMap<HTMLElement, number>();
const scrollTop = Object.getOwnPropertyDescriptor(Element.prototype, 'scrollTop');
Object.defineProperty(HTMLElement.prototype, 'scrollTop', {
  configurable: true,
  get(this: HTMLElement) {
    if (this.classList.contains('log-scroller')) return offsets.get(this) ?? 0;
    return (scrollTop?.get?.call(this) as number | undefined) ?? 0;
  },
  set(this: HTMLElement, value: number) {
    if (this.classList.contains('log-scroller')) offsets.set(this, value);
    else scrollTop?.set?.call(this, value);
  },
});
Object.defineProperty(HTMLElement.prototype, 'scrollTo', {
  configurable: true,
  value: function scrollTo(this: HTMLElement, options?: ScrollToOptions) {
    if (options?.top === undefined) return;
    this.scrollTop = options.top;
    this.dispatchEvent(new Event('scroll'));
  },
});
