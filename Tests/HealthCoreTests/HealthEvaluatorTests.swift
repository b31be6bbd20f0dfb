import FabricCore
import Testing
@testable import HealthCore

/// Every liveness and readiness rule, alone, with the reason it gives.
@Suite struct HealthEvaluatorTests {
    typealias Support = HealthTestSupport
    static let now = Support.at(milliseconds: 100_000)
    static let evaluator = HealthEvaluator()

    static func healthy() -> LocalNodeObservation {
        LocalNodeObservation(
            membership: .alive, reachableMembers: 3, loopLag: .milliseconds(2),
            localHealth: LocalHealth(multiplier: 0, maximum: 8),
            checks: [Support.check("disk", status: .passing, atMilliseconds: 99_000)])
    }

    static func reasons(_ liveness: Liveness) -> [String] {
        if case .notLive(let reasons) = liveness { return reasons }
        return []
    }

    static func reasons(_ readiness: Readiness) -> [String] {
        if case .notReady(let reasons) = readiness { return reasons }
        return []
    }

    @Test func aHealthyNodeIsLiveAndReady() {
        let report = Self.evaluator.evaluate(Self.healthy(), now: Self.now)
        #expect(report.liveness == .live && report.readiness == .ready)
        #expect(report.score.value == 100)
    }

    @Test func liveness1LoopLagOverTheBound() {
        var observation = Self.healthy()
        observation.loopLag = .seconds(5)
        #expect(Self.evaluator.liveness(observation, now: Self.now).isLive)
        observation.loopLag = .milliseconds(5001)
        let reasons = Self.reasons(Self.evaluator.liveness(observation, now: Self.now))
        #expect(reasons.count == 1 && reasons[0].hasPrefix("loop lag"))
        #expect(!Self.evaluator.readiness(observation, now: Self.now).isReady)
        observation.loopLag = nil
        #expect(Self.evaluator.liveness(observation, now: Self.now).isLive)
    }

    @Test func liveness2SaturatedLocalHealth() {
        var observation = Self.healthy()
        observation.localHealth = LocalHealth(multiplier: 6, maximum: 8)
        #expect(Self.evaluator.liveness(observation, now: Self.now).isLive)
        observation.localHealth = LocalHealth(multiplier: 7, maximum: 8)
        let reasons = Self.reasons(Self.evaluator.liveness(observation, now: Self.now))
        #expect(reasons.count == 1 && reasons[0].contains("saturated"))
        var tolerant = HealthEvaluatorConfiguration()
        tolerant.saturatedLocalHealthIsNotLive = false
        #expect(HealthEvaluator(configuration: tolerant).liveness(observation, now: Self.now).isLive)
    }

    @Test func liveness3RequiredCheckFailingOrStale() {
        var observation = Self.healthy()
        observation.checks = [Support.check("db", status: .failing("connection refused"), atMilliseconds: 99_000)]
        let failing = Self.reasons(Self.evaluator.liveness(observation, now: Self.now))
        #expect(failing == ["required check db is failing: connection refused"])
        observation.checks = [Support.check("db", status: .passing, atMilliseconds: 50_000)]
        let stale = Self.reasons(Self.evaluator.liveness(observation, now: Self.now))
        #expect(stale.count == 1 && stale[0].contains("stale"))
        // Optional, pending and warning checks do not make a node not live.
        observation.checks = [
            Support.check("optional", required: false, status: .failing("x"), atMilliseconds: 99_000),
            Support.check("pending", status: nil),
            Support.check("warn", status: .warning("slow"), atMilliseconds: 99_000),
        ]
        #expect(Self.evaluator.liveness(observation, now: Self.now).isLive)
    }

    @Test func liveness4DeclaredDown() {
        var observation = Self.healthy()
        observation.membership = .down
        let reasons = Self.reasons(Self.evaluator.liveness(observation, now: Self.now))
        #expect(reasons.count == 1 && reasons[0].contains("declared down"))
        for status in MembershipObservation.allCases where status != .down {
            observation.membership = status
            #expect(Self.evaluator.liveness(observation, now: Self.now).isLive, "\(status)")
        }
    }

    @Test func readiness1RepeatsLivenessReasons() {
        var observation = Self.healthy()
        observation.loopLag = .seconds(60)
        let reasons = Self.reasons(Self.evaluator.readiness(observation, now: Self.now))
        #expect(reasons == Self.reasons(Self.evaluator.liveness(observation, now: Self.now)))
    }

    @Test func readiness2OnlyAnAliveNodeIsReady() {
        var observation = Self.healthy()
        for status in MembershipObservation.allCases {
            observation.membership = status
            let readiness = Self.evaluator.readiness(observation, now: Self.now)
            #expect(readiness.isReady == (status == .alive), "\(status)")
            if status != .alive {
                #expect(Self.reasons(readiness).contains { $0.hasPrefix("this node is \(status)") }, "\(status)")
            }
        }
    }

    @Test func readiness3MinimumMembers() {
        var configuration = HealthEvaluatorConfiguration()
        configuration.minimumMembers = 3
        let evaluator = HealthEvaluator(configuration: configuration)
        var observation = Self.healthy()
        #expect(evaluator.readiness(observation, now: Self.now).isReady)
        observation.reachableMembers = 2
        #expect(Self.reasons(evaluator.readiness(observation, now: Self.now)) == ["2 members reachable, fewer than the 3 required"])
        #expect(evaluator.liveness(observation, now: Self.now).isLive)
    }

    @Test func readiness4RequiredChecksMustPass() {
        var observation = Self.healthy()
        observation.checks = [Support.check("migrations", status: nil)]
        #expect(Self.reasons(Self.evaluator.readiness(observation, now: Self.now)) == ["required check migrations is pending (never run)"])
        #expect(Self.evaluator.liveness(observation, now: Self.now).isLive)
        observation.checks = [Support.check("db", status: .failing("down"), atMilliseconds: 99_000)]
        #expect(Self.reasons(Self.evaluator.readiness(observation, now: Self.now)) == ["required check db is failing: down"])
        observation.checks = [Support.check("db", status: .warning("slow"), atMilliseconds: 99_000),
                              Support.check("cache", required: false, status: nil)]
        #expect(Self.evaluator.readiness(observation, now: Self.now).isReady)
    }

    @Test func readiness5TooManyChecks() {
        var observation = Self.healthy()
        observation.checks = (0...Limits.healthChecksMax).map {
            Support.check("c\($0)", required: false, status: .passing, atMilliseconds: 99_000)
        }
        #expect(Self.reasons(Self.evaluator.readiness(observation, now: Self.now)) == [
            "1 checks past the limit of \(Limits.healthChecksMax) were not looked at",
        ])
    }

    @Test func invalidConfigurationsAreRefused() {
        var configuration = HealthEvaluatorConfiguration()
        configuration.minimumMembers = 0
        #expect(throws: FabricError.self) { try configuration.validate() }
        configuration = HealthEvaluatorConfiguration()
        configuration.checkStaleAfterIntervals = 0
        #expect(throws: FabricError.self) { try configuration.validate() }
        configuration = HealthEvaluatorConfiguration()
        configuration.phiThreshold = -1
        #expect(throws: FabricError.self) { try configuration.validate() }
        configuration = HealthEvaluatorConfiguration()
        configuration.loopLagMax = .seconds(-1)
        #expect(throws: FabricError.self) { try configuration.validate() }
        #expect(throws: Never.self) { try HealthEvaluatorConfiguration().validate() }
    }
}
