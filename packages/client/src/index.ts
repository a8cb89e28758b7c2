export {
  createClient,
  clientAggregates,
  type Client,
  type ClientOptions,
  type CallOptions,
  type CommandType,
  type CommandData,
  type TypedCommands,
} from './client.ts';
