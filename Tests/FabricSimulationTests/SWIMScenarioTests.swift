import FabricCore
import FabricSimulation
import MembershipCore
import Testing

/// The measured scenario (`fabric simulate swim`): its figures, its determinism, and that its
/// false-positive invariant catches a configuration that is too aggressive.
@Suite struct SWIMScenarioTests {
    /// Plain SWIM with the suspicion timeout cut to one period and the probe timeout to 50 ms,
    /// under 20 % loss: suspicions time out before the refutation gets through.
    static var tooAggressive: SWIMConfiguration {
        var configuration = SWIMConfiguration.lan
        configuration.suspicionMultiplier = 1
        configuration.suspicionMaxTimeoutMultiplier = 1
        configuration.probeTimeout = .milliseconds(50)
        configuration.indirectProbes = 1
        return configuration
    }

    func scenario(seed: UInt64, members: Int = 8) -> SWIMScenario {
        var scenario = SWIMScenario(members: members)
        scenario.seed = seed
        scenario.periods = 120
        return scenario
    }

    @Test func aTooAggressiveConfigurationIsCaughtWithItsSeed() throws {
        var scenario = scenario(seed: 11)
        scenario.configurationOverride = Self.tooAggressive
        scenario.lifeguard = false
        scenario.loss = 0.2
        let counted = scenario.run()
        #expect(counted.falsePositives.events > 0, "the aggressive configuration made no false positive to catch")
        scenario.strict = true
        let failure = try #require(scenario.run().failure)
        #expect(failure.reason == .invariantViolated("no live, reachable member is declared unreachable or down"))
        #expect(failure.seed == 11)
        #expect(failure.description.contains("FABRIC_SIM_SEED=11"))
        #expect(scenario.replayCommand.hasSuffix("--strict --seed 11"))
        // The same loss with the LAN defaults and Lifeguard: none.
        var sane = self.scenario(seed: 11)
        sane.loss = 0.2
        sane.strict = true
        let result = sane.run()
        #expect(result.passed, "\(result.failure.map { "\($0)" } ?? "")")
        #expect(result.falsePositives.events == 0)
    }

    @Test func theSameSeedGivesTheSameFigures() throws {
        var scenario = scenario(seed: 3)
        scenario.loss = 0.05
        scenario.pauseMilliseconds = 2000
        scenario.pauses = 2
        let first = scenario.run(), second = scenario.run()
        #expect(first.json() == second.json())
        scenario.seed = 4
        #expect(scenario.run().json() != first.json(), "another seed, another run")
    }

    @Test func aRunMeasuresDetectionAndDissemination() throws {
        try forEachSeed(defaultCount: 2) { seed in
            var scenario = scenario(seed: seed, members: 10)
            scenario.loss = 0.05
            scenario.strict = true
            let result = scenario.run()
            #expect(result.passed, "seed \(seed): \(result.failure.map { "\($0)" } ?? "")")
            #expect(result.detection.knownBy == result.detection.of && result.detection.of == 10, "seed \(seed)")
            let bounds = SWIMBounds(configuration: scenario.configuration, members: 11)
            let all = try #require(result.detection.all)
            let first = try #require(result.detection.first)
            #expect(first >= bounds.suspicionMinimum && all <= bounds.detectionBound, "seed \(seed): \(first) … \(all)")
            #expect(result.disseminatedTo == 10 && result.dissemination != nil, "seed \(seed)")
            #expect(result.messagesPerMemberPerPeriod > 1, "at least a ping or an ack per period")
            let json = result.json(extra: [(key: "wall_s", value: "0")])
            for key in ["false_positives", "suspicions", "refutations", "dissemination_periods", "detection_s",
                        "messages_per_member_per_period", "bytes_per_member_per_period", "events", "simulated_s", "wall_s"] {
                #expect(json.contains("\"\(key)\":"), "\(key) missing")
            }
        }
    }

    /// Lifeguard's claim in miniature: with a few slow members (400 ms ± 400 ms each way on all
    /// their links) and 5 % loss, plain SWIM suspects far more and declares healthy members
    /// unreachable; Lifeguard's local health and nacks keep the slow members' failed probes from
    /// turning into false positives.
    @Test func lifeguardSuspectsLessWithSlowMembers() {
        var scenario = scenario(seed: 1, members: 30)
        scenario.loss = 0.05
        scenario.slowMembers = 3
        scenario.periods = 120
        let on = scenario.run()
        scenario.lifeguard = false
        let off = scenario.run()
        #expect(on.passed && off.passed)
        #expect(on.falsePositives.events == 0)
        #expect(on.suspicions * 2 < off.suspicions, "Lifeguard on \(on.suspicions), off \(off.suspicions)")
    }

    /// The byte estimate follows the layout written in SWIMMessage+WireSize.swift.
    @Test func theWireSizeEstimateFollowsItsLayout() {
        let sender = Member(identity: SWIMCluster.identity(1, generation: 0), status: .alive, incarnation: 0)
        // member: name "m1" (1 + 2) + generation 8 + host "10.0.0.1" (1 + 8) + port 2 + status 1 + incarnation 8 = 31
        let header = SWIMHeader(sender: sender, clusterHash: 1, gossip: [])
        #expect(header.estimatedWireBytes == 31 + 8 + 2)
        let ping = SWIMMessage.ping(header, sequence: 1, target: SWIMCluster.member(2))
        #expect(ping.estimatedWireBytes == 1 + 41 + 4 + 3)
        let update = MemberUpdate(member: sender, reporter: SWIMCluster.member(12))
        let gossiping = SWIMHeader(sender: sender, clusterHash: 1, gossip: [update, update])
        #expect(gossiping.estimatedWireBytes == 41 + 2 * (31 + 4))
    }
}
