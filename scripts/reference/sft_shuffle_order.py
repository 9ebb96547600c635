#!/usr/bin/env python3
# Reference values for tests/recipes/sft_batches_test.cpp: the epoch orders of
# SftBatchIterator (include/automodel/recipes/sft_data.h) computed without any C++ library.
# Run: python3 scripts/reference/sft_shuffle_order.py
# MT19937-64 (Matsumoto & Nishimura's reference mt19937-64.c, init_genrand64), written out here
# independently of any C++ library, and the shuffle sft_data.h specifies on top of it.
M64 = (1 << 64) - 1
class MT64:
    NN, MM = 312, 156
    MATRIX_A, UM, LM = 0xB5026F5AA96619E9, 0xFFFFFFFF80000000, 0x7FFFFFFF
    def __init__(self, seed):
        self.mt = [0] * self.NN
        self.mt[0] = seed & M64
        for i in range(1, self.NN):
            self.mt[i] = (6364136223846793005 * (self.mt[i-1] ^ (self.mt[i-1] >> 62)) + i) & M64
        self.mti = self.NN
    def next(self):
        NN, MM = self.NN, self.MM
        mag01 = [0, self.MATRIX_A]
        if self.mti >= NN:
            mt = self.mt
            for i in range(NN - MM):
                x = (mt[i] & self.UM) | (mt[i+1] & self.LM)
                mt[i] = mt[i+MM] ^ (x >> 1) ^ mag01[x & 1]
            for i in range(NN - MM, NN - 1):
                x = (mt[i] & self.UM) | (mt[i+1] & self.LM)
                mt[i] = mt[i+(MM-NN)] ^ (x >> 1) ^ mag01[x & 1]
            x = (mt[NN-1] & self.UM) | (mt[0] & self.LM)
            mt[NN-1] = mt[MM-1] ^ (x >> 1) ^ mag01[x & 1]
            self.mti = 0
        x = self.mt[self.mti]; self.mti += 1
        x ^= (x >> 29) & 0x5555555555555555
        x ^= (x << 17) & 0x71D67FFFEDA60000
        x ^= (x << 37) & 0xFFF7EEE000000000
        x ^= x >> 43
        return x & M64
def uniform_below(r, bound):
    threshold = ((1 << 64) - bound) % bound
    while True:
        x = r.next()
        if x >= threshold: return x % bound
def shuffled(n, r):
    order = list(range(n))
    for i in range(n, 1, -1):
        j = uniform_below(r, i)
        order[i-1], order[j] = order[j], order[i-1]
    return order
r = MT64(5489)
for _ in range(9999): r.next()
print("10000th of default seed:", r.next())   # C++ [rand.predef]: 9981545732273789042
r = MT64(42); print("seed 42 first two:", r.next(), r.next())
r = MT64(42); print("shuffle 10 seed 42 epochs 0,1,2:", shuffled(10, r), shuffled(10, r), shuffled(10, r))
r = MT64(7); print("uniform_below(r, 3) x8 seed 7:", [uniform_below(r, 3) for _ in range(8)])
r = MT64(7); print("uniform_below(r, 2**63 + 1) x6 seed 7:", [uniform_below(r, 2**63 + 1) for _ in range(6)])
r = MT64(2026); print("shuffle 7 seed 2026 epochs 0..3:", [shuffled(7, r) for _ in range(4)])
