import { useState } from 'react';

import type { Destination } from '../../api/types';

type Copy = 'idle' | 'copied' | 'failed';

/** A new webhook's signing key, in the only answer that carries it. */
export function SigningKey({ destination, signingKey, onDone }: { destination: Destination; signingKey: string; onDone: () => void }) {
  const [copy, setCopy] = useState<Copy>('idle');

  function copyKey() {
    // The clipboard may be refused (an http origin, a denied permission): the key is on screen
    // to copy by hand either way.
    navigator.clipboard.writeText(signingKey).then(
      () => setCopy('copied'),
      () => setCopy('failed'),
    );
  }

  return (
    <section className="card secret-notice" aria-labelledby="signing-key-title">
      <h2 id="signing-key-title">Signing key for {destination.name}</h2>
      <p>
        <strong>Copy it now: it is not shown again.</strong> Without it, {destination.host} cannot tell Trellis&apos;s
        requests from anyone else&apos;s.
      </p>
      <p className="secret-row">
        <code aria-label="Signing key">{signingKey}</code>{' '}
        <button type="button" className="button" onClick={copyKey}>
          Copy
        </button>{' '}
        <span role="status">
          {copy === 'copied' ? 'Copied.' : copy === 'failed' ? 'The browser did not allow copying: select the key and copy it.' : ''}
        </span>
      </p>
      <p>To check that a request comes from Trellis, the receiver:</p>
      <ol>
        <li>
          computes the HMAC-SHA256 of the raw request body (the bytes as received, before parsing the JSON), with the
          whole key above, <code>whsec_</code> included, as the key;
        </li>
        <li>
          writes it in lowercase hex after <code>sha256=</code>;
        </li>
        <li>
          compares that, in constant time, with the <code>X-Trellis-Signature-256</code> header, and refuses the request
          when they differ.
        </li>
      </ol>
      <pre className="recipe">
        {`# e.g. in a shell, with the body saved to body.json:
printf 'sha256=%s\\n' "$(openssl dgst -sha256 -hmac "$KEY" -hex < body.json | sed 's/^.*= //')"`}
      </pre>
      <p className="muted">A retried delivery carries the same body and the same signature.</p>
      <button type="button" className="button button-primary" onClick={onDone}>
        I have saved the key
      </button>
    </section>
  );
}
