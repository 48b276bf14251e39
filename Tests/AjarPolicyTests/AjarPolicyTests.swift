import Testing
@testable import AjarPolicy
