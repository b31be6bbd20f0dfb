import FabricCore

/// How one link (or, as the default, every link) treats messages.
///
/// Latency is `latency` plus a uniform draw in `0...jitter`, drawn per message; jitter therefore
/// reorders messages on a link unless `preservesOrder` is set, which holds each message back until
/// the one before it on the same link has arrived (a TCP-like stream; drops and duplicates still
/// apply, as they would to a stream that is reset and reconnected).
public struct LinkConditions: Sendable, Hashable {
    /// The fixed part of the one-way delay.
    public var latency: Duration
    /// The most added to `latency`, uniformly.
    public var jitter: Duration
    /// The probability that a message is lost (0 to 1).
    public var loss: Double
    /// The probability that a message is delivered twice, the copy with its own delay (0 to 1).
    public var duplication: Double
    /// Whether messages on the link arrive in the order they were sent.
    public var preservesOrder: Bool

    /// A link with the given conditions; the default is a clean LAN: 0.5 ms ± 0.5 ms, no loss.
    public init(
        latency: Duration = .microseconds(500), jitter: Duration = .microseconds(500), loss: Double = 0,
        duplication: Double = 0, preservesOrder: Bool = false
    ) {
        precondition(latency >= .zero && jitter >= .zero, "negative latency \(latency) or jitter \(jitter)")
        precondition((0...1).contains(loss) && (0...1).contains(duplication),
                     "loss \(loss) and duplication \(duplication) must be probabilities")
        self.latency = latency
        self.jitter = jitter
        self.loss = loss
        self.duplication = duplication
        self.preservesOrder = preservesOrder
    }
}

/// In which order a resumed node sees what waited for it.
public enum SimulationResumeOrder: Sendable, Hashable {
    /// First the messages that arrived while it was paused (in arrival order), then its overdue
    /// timers: what an event loop that drains readable sockets before timers does.
    case messagesFirst
    /// First its overdue timers, then the messages: the harsher order (a SWIM member times out a
    /// probe whose ack is already waiting in its socket).
    case timersFirst
}

/// The engine's settings for one run.
public struct SimulationConfiguration: Sendable {
    /// The conditions of every link without an override.
    public var network = LinkConditions()
    /// The instant the run starts at (nodes are started then).
    public var origin = Instant.zero
    /// Trace records kept for a failure report (at most `Limits.simulationTraceTailMax`).
    public var traceTail = 64
    /// Events one run may process before it stops with a failure.
    public var eventBudget = UInt64(Limits.simulationEventBudgetDefault)
    /// The order a resumed node sees its held messages and overdue timers in.
    public var resumeOrder = SimulationResumeOrder.messagesFirst

    /// The defaults: a clean LAN, origin zero, a 64-record trace tail.
    public init() {}
}
