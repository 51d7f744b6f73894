// The supervisor lives in engine/host/ since the CLI's sweep forks engines with it too; the extension
// keeps importing it from here.
export * from '../../engine/host/engineSupervisor';
