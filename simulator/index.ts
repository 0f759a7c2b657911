/** The POS simulator's public API, in one import: `import { startSimulator, deliver } from '../simulator'`. */
export * from './rng';
export * from './signers';
export * from './events';
export * from './store';
export * from './delivery';
export * from './server';
