export * from './common';
export * from './errors';
export * from './guests';
export * from './join';
export * from './node';
export * from './routes';
export * from './storage';
export * from './tasks';
