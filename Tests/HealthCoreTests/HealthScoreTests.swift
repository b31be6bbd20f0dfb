import FabricCore
import Testing
@testable import HealthCore

/// The health score formula, factor by factor, and the product.
@Suite struct HealthScoreTests {
    typealias Support = HealthTestSupport
    static let now = Support.at(milliseconds: 100_000)

    static func score(_ health: NodeHealth) -> HealthScore { HealthScore(of: health, now: now) }

    @Test func aHealthyNodeScoresOneHundred() {
        #expect(Self.score(NodeHealth(membership: .alive)).value == 100)
        #expect(Self.score(NodeHealth(membership: .alive, phi: 0.4, localHealth: LocalHealth(multiplier: 0, maximum: 8),
                                      checks: [Support.check("db", status: .passing, atMilliseconds: 99_000)])).value == 100)
    }

    @Test(arguments: [
        (MembershipObservation.alive, 100), (.joining, 50), (.leaving, 50), (.suspect, 50),
        (.unreachable, 10), (.down, 0), (.left, 0),
    ])
    func membershipFactor(status: MembershipObservation, expected: Int) {
        #expect(Self.score(NodeHealth(membership: status)).value == expected)
    }

    @Test func phiFactorIsOneUpToPhiOneAndZeroAtTheThreshold() {
        let values: [(Double?, Int)] = [(nil, 100), (0, 100), (1, 100), (4.5, 50), (7.3, 10), (8, 0), (1e9, 0), (.nan, 0)]
        for (phi, expected) in values {
            #expect(Self.score(NodeHealth(membership: .alive, phi: phi)).value == expected, "phi \(String(describing: phi))")
        }
        // A threshold at or below 1 makes the factor a step.
        #expect(HealthScore.factor(phi: 0.4, threshold: 0.5) == 1)
        #expect(HealthScore.factor(phi: 0.5, threshold: 0.5) == 0)
    }

    @Test func localHealthFactorIsTheUnusedShareOfTheMultiplier() {
        let values = [(0, 100), (2, 75), (4, 50), (7, 13), (99, 13), (-3, 100)]
        for (multiplier, expected) in values {
            let local = LocalHealth(multiplier: multiplier, maximum: 8)
            #expect(Self.score(NodeHealth(membership: .alive, localHealth: local)).value == expected, "multiplier \(multiplier)")
        }
    }

    @Test func theWorstCheckDecides() {
        let fresh = 99_000
        let passing = Support.check("a", status: .passing, atMilliseconds: fresh)
        let warning = Support.check("b", status: .warning("slow"), atMilliseconds: fresh)
        let failing = Support.check("c", required: false, status: .failing("refused"), atMilliseconds: fresh)
        let pending = Support.check("d", status: nil)
        // Interval 10 s, stale after 3 intervals: a result from 69.9 s ago is stale at 100 s.
        let stale = Support.check("e", status: .passing, atMilliseconds: 100_000 - 30_001)
        let notYetStale = Support.check("f", status: .passing, atMilliseconds: 100_000 - 30_000)
        #expect(Self.score(NodeHealth(membership: .alive, checks: [passing, notYetStale])).value == 100)
        #expect(Self.score(NodeHealth(membership: .alive, checks: [passing, warning])).value == 75)
        #expect(Self.score(NodeHealth(membership: .alive, checks: [pending])).value == 75)
        #expect(Self.score(NodeHealth(membership: .alive, checks: [warning, failing, passing])).value == 25)
        #expect(Self.score(NodeHealth(membership: .alive, checks: [stale])).value == 25)
    }

    @Test func factorsMultiply() {
        let health = NodeHealth(membership: .suspect, phi: 4.5, localHealth: LocalHealth(multiplier: 2, maximum: 8),
                                checks: [Support.check("a", status: .warning("slow"), atMilliseconds: 99_000)])
        let score = Self.score(health)
        #expect(score.membershipFactor == 0.5 && score.phiFactor == 0.5)
        #expect(score.localHealthFactor == 0.75 && score.checksFactor == 0.75)
        #expect(score.value == 14)  // 100 · 0.5 · 0.5 · 0.75 · 0.75 = 14.06
        #expect(score.description.hasPrefix("score 14 "))
    }

    @Test func checkNamesAndIntervalsAreValidated() {
        #expect(throws: FabricError.self) { try HealthCheckResult(name: "", interval: .seconds(1), isRequired: true, last: nil) }
        let long = String(repeating: "x", count: Limits.healthCheckNameBytesMax + 1)
        #expect(throws: FabricError.self) { try HealthCheckResult(name: long, interval: .seconds(1), isRequired: true, last: nil) }
        #expect(throws: FabricError.self) { try HealthCheckResult(name: "a", interval: .zero, isRequired: true, last: nil) }
    }
}
