/// Lifeguard's local health multiplier for this node (Dadgar et al. 2018, §4.1, "Local Health
/// Aware Probe"): a saturating counter in 0..<`maximum` that grows when this node misses acks
/// or receives nacks, and shrinks with successful probes. A high value means the problem is
/// more likely here (a slow or overloaded process) than at the nodes it probes.
///
/// It is known only for the local node; other nodes' health has no such input.
public struct LocalHealth: Hashable, Sendable {
    /// The counter, clamped into 0..<`maximum`.
    public let multiplier: Int
    /// The counter's exclusive upper bound (memberlist's default is 8: values 0...7).
    public let maximum: Int

    /// A reading of the counter; `multiplier` is clamped into 0..<`maximum`, `maximum` must be
    /// at least 1 (a programmer error otherwise: it is configuration, checked at start-up).
    public init(multiplier: Int, maximum: Int) {
        precondition(maximum >= 1, "local health maximum \(maximum) must be at least 1")
        self.maximum = maximum
        self.multiplier = min(max(multiplier, 0), maximum - 1)
    }

    /// Whether the counter is at its top value (`maximum` − 1): every recent probe of this
    /// node's went unanswered, which says more about this node than about its peers.
    public var isSaturated: Bool { multiplier == maximum - 1 }
}
