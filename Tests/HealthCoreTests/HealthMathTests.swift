import Foundation
import Testing
@testable import HealthCore

/// The hand-written elementary functions agree with the C library's over the ranges the
/// detector uses, and behave at their edges.
@Suite struct HealthMathTests {
    static func relativeError(_ value: Double, _ expected: Double) -> Double {
        if expected == 0 { return abs(value) }
        return abs(value - expected) / abs(expected)
    }

    @Test func exponentialMatchesTheCLibrary() {
        var x = -744.0
        while x < 709 {
            #expect(Self.relativeError(HealthMath.exponential(x), Foundation.exp(x)) < 1e-13, "x = \(x)")
            x += 0.737
        }
        for tiny in [0.0, 1e-300, -1e-12, 1e-8, 0.5, -0.5, 1, -1] {
            #expect(Self.relativeError(HealthMath.exponential(tiny), Foundation.exp(tiny)) < 1e-15, "x = \(tiny)")
        }
        #expect(HealthMath.exponential(800) == .infinity)
        #expect(HealthMath.exponential(-800) == 0)
        #expect(HealthMath.exponential(.nan).isNaN)
    }

    @Test func naturalLogarithmMatchesTheCLibrary() {
        var x = 1e-300
        while x < 1e300 {
            #expect(Self.relativeError(HealthMath.naturalLogarithm(x), Foundation.log(x)) < 1e-14, "x = \(x)")
            x *= 3.7
        }
        for value in [1.0, 2.0, 10.0, 0.999_999, 1.000_001, 1.414_213_562_373_095, 1.5] {
            let expected = Foundation.log(value)
            #expect(abs(HealthMath.naturalLogarithm(value) - expected) < 1e-15, "x = \(value)")
        }
        #expect(HealthMath.naturalLogarithm(0) == -.infinity)
        #expect(HealthMath.naturalLogarithm(-1).isNaN)
    }

    @Test func softplusIsAccurateAndNeverOverflows() {
        var z = -700.0
        while z < 700 {
            let expected = Foundation.log1p(Foundation.exp(z))
            #expect(Self.relativeError(HealthMath.softplus(z), expected) < 1e-12, "z = \(z)")
            z += 1.37
        }
        #expect(HealthMath.softplus(1e300) == 1e300)
        #expect(HealthMath.softplus(-1e300) == 0)
        #expect(HealthMath.softplus(1e5).isFinite)
    }
}
