import Testing
@testable import AjarStore
