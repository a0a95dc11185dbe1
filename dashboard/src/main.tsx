import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { Root } from './Root';
import { loadConfig } from './config';
import './styles.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root');

void loadConfig().then((config) => {
  createRoot(container).render(
    <StrictMode>
      <Root config={config} />
    </StrictMode>,
  );
});
