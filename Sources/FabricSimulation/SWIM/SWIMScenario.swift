import FabricCore
import MembershipCore

/// A named SWIM configuration for the simulator and `fabric simulate swim --profile`.
public enum SWIMProfile: String, Sendable, CaseIterable {
    /// memberlist's LAN defaults (`SWIMConfiguration.lan`).
    case lan
    /// memberlist's WAN defaults.
    case wan
    /// The short intervals of multi-process tests.
    case test

    /// The profile's configuration.
    public var configuration: SWIMConfiguration {
        switch self {
        case .lan: .lan
        case .wan: .wan
        case .test: .test
        }
    }
}

/// One measured run of SWIM in the simulator: what issue 9 asks to measure, for one cluster size,
/// loss rate, pause length and Lifeguard setting (`fabric simulate swim` runs one).
///
/// The timeline, in protocol periods P (the profile's probe interval) from the origin, over
/// `periods` periods in all:
///
/// 1. Warm-up: all `members` start at once and join through the first `seeds`; the run goes on
///    period by period until every member knows every other (or a third of the run passed).
///    The steady window for the traffic figures starts here.
/// 2. Dissemination: one new member joins through the seeds. The update (its `joined`) starts
///    when the first other member learns it (a seed, from the joiner's push-pull) and is
///    disseminated when every original member knows it: `dissemination_periods`, against 3·log2 n.
/// 3. Detection: one period later a random non-seed member (any but `m0` when all are seeds) crashes (and stays down). First
///    suspicion (SWIM's first detection, against e/(e−1) periods), then the first, median and
///    last member to declare it `unreachable`.
/// 4. Slow members (when `slowMembers` > 0): that many random members get `slowMilliseconds`
///    of latency plus as much jitter each way on all their links until the tail (Lifeguard's
///    degraded member: its probes time out, its acks come late). Pauses (when
///    `pauseMilliseconds` > 0): `pauses` distinct random other members, each paused once for
///    `pauseMilliseconds` at a uniform random time in what remains before the tail.
/// 5. Tail: the last `SWIMBounds.suspicionMaximum` + 20 P run with loss off (a fault-free
///    tail), then `finish()` checks convergence.
///
/// Invariants checked all through: incarnations grow, a dead member is detected by all (within
/// `SWIMBounds.detectionBound`), convergence at the end; with `strict`, also no false
/// declaration (then the first false positive fails the run instead of being counted).
///
/// False positives (the figure): an `unreachable` or `down` event about the current life of a
/// member that was never crashed or paused (the only faults here are loss, the pauses and the
/// crash), counted per event and as distinct (observer, member) pairs. Declarations about the
/// paused members are counted apart (`pause_declarations`): a pause shorter than the minimum
/// suspicion timeout should cause none; so are those about the slow members
/// (`slow_declarations`). (With `strict`, the invariant sees a slow member as live and
/// reachable — the engine's fault state does not track link conditions — so declaring it fails.)
public struct SWIMScenario: Sendable {
    /// Members at start.
    public var members: Int
    /// Loss probability on every link (0 to 1), until the tail.
    public var loss: Double = 0
    /// How long each pause lasts, 0 for none.
    public var pauseMilliseconds: Int = 0
    /// How many members are paused (each once).
    public var pauses: Int = 5
    /// Members made slow (Lifeguard's degraded member): every link of theirs gets
    /// `slowMilliseconds` of latency plus as much jitter, each way, from the detection phase's
    /// end to the tail; 0 for none.
    public var slowMembers = 0
    /// The latency (and jitter) added each way to a slow member's links.
    public var slowMilliseconds = 400
    /// Lifeguard on or off.
    public var lifeguard = true
    /// The base configuration.
    public var profile = SWIMProfile.lan
    /// Replaces the profile's configuration (its `lifeguard` is then `lifeguard`), for tests.
    public var configurationOverride: SWIMConfiguration?
    /// The run's seed.
    public var seed: UInt64 = 1
    /// The run's length in protocol periods.
    public var periods = 300
    /// Members everyone joins through.
    public var seeds = 3
    /// What a resumed member handles first: the messages that waited (an event loop that drains
    /// its sockets first, the default) or its overdue timers (the harsh order: a stalled
    /// process times out probes whose acks are already in its socket — Lifeguard's slow member).
    public var resumeOrder = SimulationResumeOrder.messagesFirst
    /// A false positive fails the run (the invariant) instead of being counted.
    public var strict = false

    /// A scenario of `members` members with the defaults (no loss, no pauses, Lifeguard on, LAN).
    public init(members: Int) { self.members = members }

    /// The SWIM configuration the run uses.
    public var configuration: SWIMConfiguration {
        var configuration = configurationOverride ?? profile.configuration
        configuration.lifeguard = lifeguard
        return configuration
    }

    /// Why the scenario cannot run, or nil.
    public var invalidity: String? {
        if members < 3 { return "--members must be at least 3 (one joins later, one crashes), not \(members)" }
        if members > Limits.simulationNodesMax - 1 { return "--members must be at most \(Limits.simulationNodesMax - 1)" }
        if !(0...1).contains(loss) { return "--loss must be a probability (0 to 1), not \(loss)" }
        if pauseMilliseconds < 0 || pauses < 0 { return "--pause-ms and --pauses must not be negative" }
        if slowMembers < 0 || slowMilliseconds < 0 { return "--slow and --slow-ms must not be negative" }
        if periods < 10 { return "--periods must be at least 10" }
        if seeds < 1 { return "at least one seed" }
        return configuration.invalidity
    }

    /// The command line that replays this run.
    public var replayCommand: String {
        var words = ["fabric simulate swim", "--members \(members)", "--loss \(SWIMFormat.decimal(loss))",
                     "--pause-ms \(pauseMilliseconds)"]
        if pauseMilliseconds > 0 { words.append("--pauses \(pauses)") }
        if resumeOrder == .timersFirst { words.append("--resume-order timers") }
        if slowMembers > 0 { words.append("--slow \(slowMembers) --slow-ms \(slowMilliseconds)") }
        words += ["--lifeguard \(lifeguard ? "on" : "off")", "--periods \(periods)", "--profile \(profile.rawValue)"]
        if strict { words.append("--strict") }
        words.append("--seed \(seed)")
        return words.joined(separator: " ")
    }
}
