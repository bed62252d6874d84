export { agentFor, type AgentClient, type AgentClientOptions, type AgentNode } from './client';
export { handleJoinRequest, joinCommand, type JoinDeps, type JoinedNode } from './join';
export { openConsoleSocket } from './console-socket';
