import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ConsoleApp } from './console-app.tsx';
import '../styles.css';
import './station-console.css';

const root = document.getElementById('root');
if (root === null) throw new Error('Cannot start the station console: the page has no #root element');
createRoot(root).render(
  <StrictMode>
    <ConsoleApp />
  </StrictMode>,
);
