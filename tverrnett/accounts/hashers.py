from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with the smallest cost, for the test suite only (settings_test.py).

    The suite creates thousands of users; at the production cost (100 MiB of
    memory per hash) that is most of its run time. The algorithm and the
    hash format stay the same, so the tests still see Argon2 hashes.
    """

    time_cost = 1
    memory_cost = 1024
    parallelism = 1
