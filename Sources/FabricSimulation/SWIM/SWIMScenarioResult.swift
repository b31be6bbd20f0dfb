import FabricCore

/// The figures of one `SWIMScenario` run (see `SWIMScenario` for what each measures).
public struct SWIMScenarioResult: Sendable {
    /// Count per event and distinct (observer, member) pairs.
    public struct Declarations: Sendable, Hashable {
        /// Declarations (`unreachable` or `down` events).
        public var events = 0
        /// Distinct (observer, member) pairs among them.
        public var pairs = 0
    }

    /// Times from the crash, in seconds (nil: it did not happen within the run).
    public struct Detection: Sendable, Hashable {
        /// The first `suspect` event about the crashed member (SWIM's first detection).
        public var firstSuspicion: Duration?
        /// The first `unreachable` declaration.
        public var first: Duration?
        /// The median over the live members of their first declaration (of those that made one).
        public var median: Duration?
        /// When the last live member declared it (nil unless all did).
        public var all: Duration?
        /// Live members that declared it, and how many there were.
        public var knownBy = 0
        /// The members that held it alive or suspect when it crashed (and are not crashed now).
        public var of = 0
    }

    /// The scenario that ran.
    public var scenario: SWIMScenario
    /// The invariant failure that stopped the run, if any (the figures are up to it).
    public var failure: SimulationFailure?
    /// False positives: members never faulted declared unreachable or down.
    public var falsePositives = Declarations()
    /// The first few false positives, as "observer declared member kind at time".
    public var falsePositiveExamples: [String] = []
    /// Declarations about the paused members (their current life).
    public var pauseDeclarations = Declarations()
    /// Declarations about the slow members (their current life).
    public var slowDeclarations = Declarations()
    /// Pauses that happened.
    public var pausesDone = 0
    /// Distinct suspicions started: the (member, generation, incarnation) of `suspect` events
    /// about the current life of a member (one probe failure, however many members hear of it).
    public var suspicions = 0
    /// `suspect` events in all (every member that hears a suspicion emits one).
    public var suspectEvents = 0
    /// Refutations, summed over the cores alive at the end.
    public var refutations: UInt64 = 0
    /// When every member knew every other after the start (nil: not within the warm-up).
    public var warmup: Duration?
    /// Members that knew every other at the end of the warm-up.
    public var warmupComplete = 0
    /// From the first member learning the joiner to the last original member learning it.
    public var dissemination: Duration?
    /// Original members that learnt the joiner, and how many there are.
    public var disseminatedTo = 0
    /// The crash's detection.
    public var detection = Detection()
    /// Messages sent per member per period in the steady window (warm-up end to end).
    public var messagesPerMemberPerPeriod = 0.0
    /// Estimated bytes (`SWIMMessage.estimatedWireBytes`) sent per member per period, same window.
    public var bytesPerMemberPerPeriod = 0.0
    /// Events the engine processed.
    public var events: UInt64 = 0
    /// Simulated time.
    public var simulated = Duration.zero
    /// The protocol period (the probe interval).
    public var period = Duration.seconds(1)

    /// Whether every invariant held.
    public var passed: Bool { failure == nil }

    /// 3·log2(n): the dissemination goal of issue 9, in periods.
    public var disseminationGoalPeriods: Double { 3 * SWIMMath.log2(Double(scenario.members)) }

    /// e/(e − 1): SWIM's expected periods to the first detection of a crash (SWIM §3.1).
    public static let swimFirstDetectionPeriods = 2.718_281_828_459_045 / (2.718_281_828_459_045 - 1)

    /// The figures as one JSON object, with `extra` members (already JSON values) appended:
    /// the CLI adds `wall_s` this way (the module reads no clock).
    public func json(extra: [(key: String, value: String)] = []) -> String {
        var fields: [(String, String)] = [
            ("scenario", "\"swim\""), ("members", "\(scenario.members)"), ("loss", number(scenario.loss)),
            ("pause_ms", "\(scenario.pauseMilliseconds)"), ("pauses", "\(pausesDone)"),
            ("resume_order", scenario.resumeOrder == .timersFirst ? "\"timers\"" : "\"messages\""),
            ("lifeguard", scenario.lifeguard ? "true" : "false"), ("profile", "\"\(scenario.profile.rawValue)\""),
            ("periods", "\(scenario.periods)"), ("period_s", seconds(period)), ("seed", "\(scenario.seed)"),
            ("strict", scenario.strict ? "true" : "false"),
            ("ok", passed ? "true" : "false"),
            ("failure", failure.map { string("\($0.reason): \($0.message)") } ?? "null"),
            ("replay", string(scenario.replayCommand)),
            ("false_positives", declarations(falsePositives)),
            ("false_positive_examples", "[" + falsePositiveExamples.map(string).joined(separator: ",") + "]"),
            ("pause_declarations", declarations(pauseDeclarations)),
            ("slow_members", "\(scenario.slowMembers)"), ("slow_ms", "\(scenario.slowMilliseconds)"),
            ("slow_declarations", declarations(slowDeclarations)),
            ("suspicions", "\(suspicions)"), ("suspect_events", "\(suspectEvents)"), ("refutations", "\(refutations)"),
            ("warmup_s", seconds(warmup)), ("warmup_complete_members", "\(warmupComplete)"),
            ("dissemination_periods", periods(dissemination)),
            ("dissemination_goal_periods", number(disseminationGoalPeriods)),
            ("dissemination_s", seconds(dissemination)),
            ("disseminated_to", "\(disseminatedTo)"),
            ("detection_s", detectionObject(inPeriods: false)),
            ("detection_periods", detectionObject(inPeriods: true)),
            ("swim_first_detection_periods", number(Self.swimFirstDetectionPeriods)),
            ("messages_per_member_per_period", number(messagesPerMemberPerPeriod)),
            ("bytes_per_member_per_period", number(bytesPerMemberPerPeriod)),
            ("bytes_are", "\"estimated payload (SWIMMessage.estimatedWireBytes)\""),
            ("events", "\(events)"), ("simulated_s", seconds(simulated)),
        ]
        fields += extra.map { ($0.key, $0.value) }
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    func detectionObject(inPeriods: Bool) -> String {
        let value: (Duration?) -> String = { inPeriods ? periods($0) : seconds($0) }
        return "{\"first_suspicion\":\(value(detection.firstSuspicion)),\"first\":\(value(detection.first)),"
            + "\"median\":\(value(detection.median)),\"all\":\(value(detection.all)),"
            + "\"known_by\":\(detection.knownBy),\"of\":\(detection.of)}"
    }

    func declarations(_ counts: Declarations) -> String { "{\"events\":\(counts.events),\"pairs\":\(counts.pairs)}" }
    func number(_ value: Double) -> String { SWIMFormat.decimal(value) }
    func seconds(_ duration: Duration?) -> String { duration.map(SWIMFormat.seconds) ?? "null" }
    func periods(_ duration: Duration?) -> String {
        duration.map { SWIMFormat.decimal(Double($0.nanoseconds) / Double(period.nanoseconds)) } ?? "null"
    }

    /// `text` as a JSON string.
    func string(_ text: String) -> String { JSONText.quoted(text) }
}
