import { contextBridge, ipcRenderer } from 'electron';
import { IPC_CHANNEL, PRINT_CHANNEL, type Bridge } from '../../shared/bridge';

/** The renderer's only door to the main process: one generic, contract-checked invoke. */
const bridge: Bridge = {
  invoke: (name, input) => ipcRenderer.invoke(IPC_CHANNEL, name, input),
  print: () => ipcRenderer.invoke(PRINT_CHANNEL),
};

contextBridge.exposeInMainWorld('api', bridge);
