// AjarPolicy: what a request carries and where it may go. See ../shared/DESIGN.md.
