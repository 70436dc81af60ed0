"""The access policy: who may reach which view and see which data.

Default deny. Every view declares its rule with one of the decorators in
`tverrnett.access.rules`; `DenyByDefaultMiddleware` refuses any view that
has not. Object-level decisions (which case, which item) live in
`tverrnett.access.policy` and nowhere else.
"""
