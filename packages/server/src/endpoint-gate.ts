/** What the decision path needs of the endpoints' state (DESIGN §5a), shared with every replica. */
export interface EndpointGate {
  /** True when the hook's endpoint is gone for the URL it has now. */
  isGone(hook: string): boolean;
  /** The endpoint at `url` answered 410. */
  gone(hook: string, url: string): Promise<void>;
}
