/** Reading `hcloud.Firewall` rules: which inbound rules admit a port, and from where. */
import { asArray, type Props } from "./resource";

export interface InboundRule {
  index: number;
  protocol: string;
  port: string;
  sourceIps: string[];
}

export const WORLD = ["0.0.0.0/0", "::/0"];

export function inboundRules(props: Props): InboundRule[] {
  return asArray(props.rules)
    .map((rule, index) => ({
      index,
      direction: String(rule?.direction ?? ""),
      protocol: String(rule?.protocol ?? ""),
      port: String(rule?.port ?? "any"),
      sourceIps: asArray(rule?.sourceIps).map(String),
    }))
    .filter((rule) => rule.direction === "in")
    .map(({ direction: _direction, ...rule }) => rule);
}

/** True when a TCP rule's `port` (`22`, `80-85` or `any`) admits `port`. */
export function admitsTcpPort(rule: InboundRule, port: number): boolean {
  if (rule.protocol !== "tcp") return false;
  if (rule.port === "any") return true;
  const [low, high = low] = rule.port.split("-").map((p) => Number(p.trim()));
  return port >= low && port <= high;
}
