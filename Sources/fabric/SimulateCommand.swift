#if canImport(Glibc)
import Glibc
#endif
import Fabric
import FabricSimulation

/// `fabric simulate swim`: runs the real membership core (SWIM + Lifeguard) in the
/// deterministic simulator and prints the figures issue 9 asks for as one JSON object.
/// Exit 0 when every invariant held, 1 (with the failure and its seed in the JSON and on
/// stderr) when one did not, 2 for bad arguments.
enum SimulateCommand {
    static let usage = """
        usage: fabric simulate swim --members N [--loss P] [--pause-ms X] [--pauses K] [--lifeguard on|off]
                                    [--periods K] [--seed S] [--profile lan|wan|test] [--strict]
                                    [--resume-order messages|timers] [--slow K] [--slow-ms X]
          Simulates N SWIM members (MembershipCore) on a simulated network for K protocol periods
          (default 300): they start and join, one more joins (dissemination), one crashes
          (detection); with --pause-ms, --pauses members (default 5) are each paused X ms once.
          --loss P drops each message with probability P (0 to 1) until the fault-free tail.
          --slow K: K members get X ms (default 400) of latency plus as much jitter each way on
          all their links from the crash's detection to the tail (a degraded member).
          --resume-order timers: a resumed member runs its overdue timers before the messages
          that waited (the harsh order; default: messages first). --strict makes a false
          positive an invariant failure instead of a counted figure. Prints one JSON object
          (false_positives, suspicions, refutations, dissemination_periods, detection_s,
          messages_per_member_per_period, bytes_per_member_per_period, events, simulated_s,
          wall_s, ...); exit 0 when the invariants held, 1 with the failure, its seed and the
          command that replays it.
        """

    static func run(_ arguments: ArraySlice<String>) -> Int32 {
        switch arguments.first {
        case "swim": return swim(arguments.dropFirst())
        case "--help", "-h", "help":
            print(usage)
            return 0
        default:
            Arguments.fail("simulate needs a scenario: swim", usage: usage)
        }
    }

    static func swim(_ arguments: ArraySlice<String>) -> Int32 {
        let parsed = Arguments(
            arguments,
            valued: ["--members", "--loss", "--pause-ms", "--pauses", "--lifeguard", "--periods", "--seed", "--profile", "--resume-order", "--slow", "--slow-ms"],
            booleans: ["--strict"], usage: usage)
        guard parsed.positional.isEmpty else { Arguments.fail("unexpected \(parsed.positional[0])", usage: usage) }
        guard parsed.value("--members") != nil else { Arguments.fail("--members is required", usage: usage) }
        var scenario = SWIMScenario(
            members: parsed.integer("--members", default: 10, usage: usage, range: 3...(Limits.simulationNodesMax - 1)))
        if let text = parsed.value("--loss") {
            guard let loss = Double(text), (0...1).contains(loss) else {
                Arguments.fail("--loss must be a probability from 0 to 1", usage: usage)
            }
            scenario.loss = loss
        }
        scenario.pauseMilliseconds = parsed.integer("--pause-ms", default: 0, usage: usage, range: 0...3_600_000)
        scenario.pauses = parsed.integer("--pauses", default: 5, usage: usage, range: 0...Limits.simulationNodesMax)
        scenario.slowMembers = parsed.integer("--slow", default: 0, usage: usage, range: 0...Limits.simulationNodesMax)
        scenario.slowMilliseconds = parsed.integer("--slow-ms", default: 400, usage: usage, range: 0...60_000)
        scenario.periods = parsed.integer("--periods", default: 300, usage: usage, range: 10...1_000_000)
        switch parsed.value("--lifeguard") ?? "on" {
        case "on": scenario.lifeguard = true
        case "off": scenario.lifeguard = false
        default: Arguments.fail("--lifeguard must be on or off", usage: usage)
        }
        if let text = parsed.value("--profile") {
            guard let profile = SWIMProfile(rawValue: text) else {
                Arguments.fail("--profile must be lan, wan or test", usage: usage)
            }
            scenario.profile = profile
        }
        if let text = parsed.value("--seed") {
            guard let seed = SimulationSeeds.parse(text) else {
                Arguments.fail("--seed must be a number (decimal or 0x hex)", usage: usage)
            }
            scenario.seed = seed
        }
        switch parsed.value("--resume-order") ?? "messages" {
        case "messages": scenario.resumeOrder = .messagesFirst
        case "timers": scenario.resumeOrder = .timersFirst
        default: Arguments.fail("--resume-order must be messages or timers", usage: usage)
        }
        scenario.strict = parsed.has("--strict")
        if let reason = scenario.invalidity { Arguments.fail(reason, usage: usage) }

        let started = monotonicSeconds()
        let result = scenario.run()
        let wall = monotonicSeconds() - started
        let wallText = String(Double((wall * 1000).rounded() / 1000))
        printLine(result.json(extra: [(key: "wall_s", value: wallText)]))
        if let failure = result.failure {
            printError(failure.description)
            printError("replay: \(scenario.replayCommand)")
            return 1
        }
        return 0
    }

    static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
