import AjarCore
