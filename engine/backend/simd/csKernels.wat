;; SIMD kernels for the CS step on tfjs-backend-wasm: each is one pass over the weights where the
;; stock kernels made several (plus a tensor, a scalar upload and tfjs bookkeeping per pass); and
;; transposes, which wasm's own kernel did at 9 ns an element. They run in the backend's own memory,
;; imported below, so tensors are read and written where they lie.
;; scripts/compileSimdKernels.mjs compiles this file into csKernelsWasm.ts (the memory line is
;; rewritten for the threaded build, whose memory is shared); a test checks that file is current.
;;
;; Every pointer is a byte offset into the heap. In the CS kernels n counts float32 elements and
;; must be at least 4 (wasmSimdKernels.ts pads smaller tensors). Their loops step four elements at a
;; time; when n is not a multiple of 4 the last step starts at n - 4 and recomputes up to three
;; elements, which gives the same values again because no output overlaps an input (maskedStep may
;; be given its inputs as outputs, to update them in place, only when n is a multiple of 4).
;; Everything is written inline: on Node 20 a call per group of four (to a helper taking v128s) made
;; these loops four times slower.
(module
  (import "env" "memory" (memory 1)) ;; MEMORY

  ;; mc = scale * sigmoid(t * s);  y = w * mc;  *sum = sum(mc), the CS penalty's, added up in float64
  ;; (two f64x2 partial sums) as tfjs-backend-cpu's Sum does, and rounded once.
  ;; sigmoid(x) = (x > 0 ? 1 : e) / (1 + e) with e = exp(-z), z = min(|x|, 87.34), which never
  ;; overflows. exp(-z) = 2^k * exp(-r) for k = round(-z / ln2) and r = z + k ln2 (|r| <= ln2/2, ln2
  ;; split in two so k ln2 is exact), exp(-r) = 1 + r P(r) with P of degree 4 fitted for the least
  ;; maximum relative error there (9.1e-8). k is rounded by adding 1.5 * 2^23 + 127, which leaves
  ;; k + 127 in the low mantissa bits, where a shift by 23 makes 2^k's bits. z stops at 87.34, where
  ;; e is FLT_MIN (1.2e-38), so that 2^k stays a normal number: a logit past it gets a mask of 1.2e-38
  ;; * scale where the exact one is a denormal or 0 (a clamp is one operation, the test and mask it
  ;; replaced two). f32x4.pmin, unlike f32x4.min, is one instruction; with |x| first it keeps a NaN.
  ;; |x| is an and with a mask kept in a local: V8 builds f32x4.abs's mask anew at every use.
  ;; Measured against float64: within 2.4 ulp.
  (func (export "maskForward") (param $s i32) (param $w i32) (param $mc i32) (param $y i32)
      (param $sum i32) (param $n i32) (param $t f32) (param $scale f32)
    (local $i i32) (local $last i32) (local $unsummed v128) (local $fresh v128) (local $accLow v128)
    (local $accHigh v128) (local $tv v128) (local $scv v128)
    (local $x v128) (local $z v128) (local $k v128) (local $r v128) (local $p v128) (local $two v128)
    (local $e v128) (local $m v128)
    (local $magic v128) (local $minusLog2e v128) (local $ln2Hi v128) (local $ln2Lo v128) (local $cutoff v128)
    (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $one v128)
    (local $absMask v128) (local $groups i32)
    (local $x0 v128) (local $z0 v128) (local $k0 v128) (local $two0 v128) (local $x1 v128) (local $z1 v128) (local $k1 v128) (local $two1 v128) (local $x2 v128) (local $z2 v128) (local $k2 v128) (local $two2 v128) (local $x3 v128) (local $z3 v128) (local $k3 v128) (local $two3 v128)
    (local $r0 v128) (local $p0 v128) (local $e0 v128) (local $m0 v128) (local $r1 v128) (local $p1 v128) (local $e1 v128) (local $m1 v128) (local $r2 v128) (local $p2 v128) (local $e2 v128) (local $m2 v128) (local $r3 v128) (local $p3 v128) (local $e3 v128) (local $m3 v128)
    (local.set $unsummed (v128.const i32x4 -1 -1 -1 -1))
    (local.set $tv (f32x4.splat (local.get $t)))
    (local.set $scv (f32x4.splat (local.get $scale)))
    (local.set $magic (v128.const f32x4 0x1.8000fep23 0x1.8000fep23 0x1.8000fep23 0x1.8000fep23))
    (local.set $minusLog2e (v128.const f32x4 -0x1.715476p0 -0x1.715476p0 -0x1.715476p0 -0x1.715476p0))
    (local.set $ln2Hi (v128.const f32x4 0x1.62e4p-1 0x1.62e4p-1 0x1.62e4p-1 0x1.62e4p-1))
    (local.set $ln2Lo (v128.const f32x4 0x1.7f7d1cp-20 0x1.7f7d1cp-20 0x1.7f7d1cp-20 0x1.7f7d1cp-20))
    (local.set $cutoff (v128.const f32x4 0x1.5d589ep6 0x1.5d589ep6 0x1.5d589ep6 0x1.5d589ep6))
    (local.set $c1 (v128.const f32x4 -0x1.fffff6p-1 -0x1.fffff6p-1 -0x1.fffff6p-1 -0x1.fffff6p-1))
    (local.set $c2 (v128.const f32x4 0x1.fffdc6p-2 0x1.fffdc6p-2 0x1.fffdc6p-2 0x1.fffdc6p-2))
    (local.set $c3 (v128.const f32x4 -0x1.555a6ap-3 -0x1.555a6ap-3 -0x1.555a6ap-3 -0x1.555a6ap-3))
    (local.set $c4 (v128.const f32x4 0x1.573a54p-5 0x1.573a54p-5 0x1.573a54p-5 0x1.573a54p-5))
    (local.set $c5 (v128.const f32x4 -0x1.0fa832p-7 -0x1.0fa832p-7 -0x1.0fa832p-7 -0x1.0fa832p-7))
    (local.set $one (v128.const f32x4 1 1 1 1))
    (local.set $absMask (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))
    ;; Whole groups of four vectors first, their sigmoids interleaved step by step: one sigmoid is a
    ;; chain of some twenty dependent operations, and four independent ones keep the processor busy
    ;; (LeNet-300-100's 784 x 300 kernel: 0.33 -> 0.25 ms). The group's masks are added in float32
    ;; (three roundings of positive values) before the float64 totals.
    (local.set $groups (i32.shl (i32.shr_u (local.get $n) (i32.const 4)) (i32.const 6)))
    (block $groupsDone
      (loop $group
        (br_if $groupsDone (i32.ge_u (local.get $i) (local.get $groups)))
        (local.set $x0 (f32x4.mul (v128.load (i32.add (local.get $s) (local.get $i))) (local.get $tv)))
        (local.set $x1 (f32x4.mul (v128.load (i32.add (local.get $s) (i32.add (local.get $i) (i32.const 16)))) (local.get $tv)))
        (local.set $x2 (f32x4.mul (v128.load (i32.add (local.get $s) (i32.add (local.get $i) (i32.const 32)))) (local.get $tv)))
        (local.set $x3 (f32x4.mul (v128.load (i32.add (local.get $s) (i32.add (local.get $i) (i32.const 48)))) (local.get $tv)))
        (local.set $z0 (f32x4.pmin (v128.and (local.get $x0) (local.get $absMask)) (local.get $cutoff)))
        (local.set $z1 (f32x4.pmin (v128.and (local.get $x1) (local.get $absMask)) (local.get $cutoff)))
        (local.set $z2 (f32x4.pmin (v128.and (local.get $x2) (local.get $absMask)) (local.get $cutoff)))
        (local.set $z3 (f32x4.pmin (v128.and (local.get $x3) (local.get $absMask)) (local.get $cutoff)))
        (local.set $k0 (f32x4.add (f32x4.mul (local.get $z0) (local.get $minusLog2e)) (local.get $magic)))
        (local.set $k1 (f32x4.add (f32x4.mul (local.get $z1) (local.get $minusLog2e)) (local.get $magic)))
        (local.set $k2 (f32x4.add (f32x4.mul (local.get $z2) (local.get $minusLog2e)) (local.get $magic)))
        (local.set $k3 (f32x4.add (f32x4.mul (local.get $z3) (local.get $minusLog2e)) (local.get $magic)))
        (local.set $two0 (i32x4.shl (local.get $k0) (i32.const 23)))
        (local.set $two1 (i32x4.shl (local.get $k1) (i32.const 23)))
        (local.set $two2 (i32x4.shl (local.get $k2) (i32.const 23)))
        (local.set $two3 (i32x4.shl (local.get $k3) (i32.const 23)))
        (local.set $k0 (f32x4.sub (local.get $k0) (local.get $magic)))
        (local.set $k1 (f32x4.sub (local.get $k1) (local.get $magic)))
        (local.set $k2 (f32x4.sub (local.get $k2) (local.get $magic)))
        (local.set $k3 (f32x4.sub (local.get $k3) (local.get $magic)))
        (local.set $r0 (f32x4.add (f32x4.mul (local.get $k0) (local.get $ln2Hi)) (local.get $z0)))
        (local.set $r1 (f32x4.add (f32x4.mul (local.get $k1) (local.get $ln2Hi)) (local.get $z1)))
        (local.set $r2 (f32x4.add (f32x4.mul (local.get $k2) (local.get $ln2Hi)) (local.get $z2)))
        (local.set $r3 (f32x4.add (f32x4.mul (local.get $k3) (local.get $ln2Hi)) (local.get $z3)))
        (local.set $r0 (f32x4.add (f32x4.mul (local.get $k0) (local.get $ln2Lo)) (local.get $r0)))
        (local.set $r1 (f32x4.add (f32x4.mul (local.get $k1) (local.get $ln2Lo)) (local.get $r1)))
        (local.set $r2 (f32x4.add (f32x4.mul (local.get $k2) (local.get $ln2Lo)) (local.get $r2)))
        (local.set $r3 (f32x4.add (f32x4.mul (local.get $k3) (local.get $ln2Lo)) (local.get $r3)))
        (local.set $p0 (f32x4.add (f32x4.mul (local.get $c5) (local.get $r0)) (local.get $c4)))
        (local.set $p1 (f32x4.add (f32x4.mul (local.get $c5) (local.get $r1)) (local.get $c4)))
        (local.set $p2 (f32x4.add (f32x4.mul (local.get $c5) (local.get $r2)) (local.get $c4)))
        (local.set $p3 (f32x4.add (f32x4.mul (local.get $c5) (local.get $r3)) (local.get $c4)))
        (local.set $p0 (f32x4.add (f32x4.mul (local.get $p0) (local.get $r0)) (local.get $c3)))
        (local.set $p1 (f32x4.add (f32x4.mul (local.get $p1) (local.get $r1)) (local.get $c3)))
        (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $r2)) (local.get $c3)))
        (local.set $p3 (f32x4.add (f32x4.mul (local.get $p3) (local.get $r3)) (local.get $c3)))
        (local.set $p0 (f32x4.add (f32x4.mul (local.get $p0) (local.get $r0)) (local.get $c2)))
        (local.set $p1 (f32x4.add (f32x4.mul (local.get $p1) (local.get $r1)) (local.get $c2)))
        (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $r2)) (local.get $c2)))
        (local.set $p3 (f32x4.add (f32x4.mul (local.get $p3) (local.get $r3)) (local.get $c2)))
        (local.set $p0 (f32x4.add (f32x4.mul (local.get $p0) (local.get $r0)) (local.get $c1)))
        (local.set $p1 (f32x4.add (f32x4.mul (local.get $p1) (local.get $r1)) (local.get $c1)))
        (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $r2)) (local.get $c1)))
        (local.set $p3 (f32x4.add (f32x4.mul (local.get $p3) (local.get $r3)) (local.get $c1)))
        (local.set $e0 (f32x4.add (f32x4.mul (f32x4.mul (local.get $r0) (local.get $two0)) (local.get $p0)) (local.get $two0)))
        (local.set $e1 (f32x4.add (f32x4.mul (f32x4.mul (local.get $r1) (local.get $two1)) (local.get $p1)) (local.get $two1)))
        (local.set $e2 (f32x4.add (f32x4.mul (f32x4.mul (local.get $r2) (local.get $two2)) (local.get $p2)) (local.get $two2)))
        (local.set $e3 (f32x4.add (f32x4.mul (f32x4.mul (local.get $r3) (local.get $two3)) (local.get $p3)) (local.get $two3)))
        (local.set $m0 (f32x4.mul
          (f32x4.div
            (v128.bitselect (local.get $one) (local.get $e0) (f32x4.gt (local.get $x0) (v128.const f32x4 0 0 0 0)))
            (f32x4.add (local.get $e0) (local.get $one)))
          (local.get $scv)))
        (local.set $m1 (f32x4.mul
          (f32x4.div
            (v128.bitselect (local.get $one) (local.get $e1) (f32x4.gt (local.get $x1) (v128.const f32x4 0 0 0 0)))
            (f32x4.add (local.get $e1) (local.get $one)))
          (local.get $scv)))
        (local.set $m2 (f32x4.mul
          (f32x4.div
            (v128.bitselect (local.get $one) (local.get $e2) (f32x4.gt (local.get $x2) (v128.const f32x4 0 0 0 0)))
            (f32x4.add (local.get $e2) (local.get $one)))
          (local.get $scv)))
        (local.set $m3 (f32x4.mul
          (f32x4.div
            (v128.bitselect (local.get $one) (local.get $e3) (f32x4.gt (local.get $x3) (v128.const f32x4 0 0 0 0)))
            (f32x4.add (local.get $e3) (local.get $one)))
          (local.get $scv)))
        (v128.store (i32.add (local.get $mc) (local.get $i)) (local.get $m0))
        (v128.store (i32.add (local.get $mc) (i32.add (local.get $i) (i32.const 16))) (local.get $m1))
        (v128.store (i32.add (local.get $mc) (i32.add (local.get $i) (i32.const 32))) (local.get $m2))
        (v128.store (i32.add (local.get $mc) (i32.add (local.get $i) (i32.const 48))) (local.get $m3))
        (v128.store (i32.add (local.get $y) (local.get $i))
          (f32x4.mul (v128.load (i32.add (local.get $w) (local.get $i))) (local.get $m0)))
        (v128.store (i32.add (local.get $y) (i32.add (local.get $i) (i32.const 16)))
          (f32x4.mul (v128.load (i32.add (local.get $w) (i32.add (local.get $i) (i32.const 16)))) (local.get $m1)))
        (v128.store (i32.add (local.get $y) (i32.add (local.get $i) (i32.const 32)))
          (f32x4.mul (v128.load (i32.add (local.get $w) (i32.add (local.get $i) (i32.const 32)))) (local.get $m2)))
        (v128.store (i32.add (local.get $y) (i32.add (local.get $i) (i32.const 48)))
          (f32x4.mul (v128.load (i32.add (local.get $w) (i32.add (local.get $i) (i32.const 48)))) (local.get $m3)))
        (local.set $m0 (f32x4.add (f32x4.add (local.get $m0) (local.get $m1)) (f32x4.add (local.get $m2) (local.get $m3))))
        (local.set $accLow (f64x2.add (local.get $accLow) (f64x2.promote_low_f32x4 (local.get $m0))))
        (local.set $accHigh (f64x2.add (local.get $accHigh)
          (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $m0) (local.get $m0)))))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br $group)))
    ;; Then the rest a vector at a time, the last one ending at n (and summing only what no group did).
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (block $done
      (br_if $done (i32.ge_u (local.get $i) (i32.shl (local.get $n) (i32.const 2))))
      (if (i32.gt_u (local.get $i) (local.get $last))
        (then
          (local.set $unsummed (i32x4.ge_u
            (i32x4.add (i32x4.splat (local.get $last)) (v128.const i32x4 0 4 8 12))
            (i32x4.splat (local.get $i))))
          (local.set $i (local.get $last))))
      (loop $next
        (local.set $x (f32x4.mul (v128.load (i32.add (local.get $s) (local.get $i))) (local.get $tv)))
        (local.set $z (f32x4.pmin (v128.and (local.get $x) (local.get $absMask)) (local.get $cutoff)))
        (local.set $k (f32x4.add (f32x4.mul (local.get $z) (local.get $minusLog2e)) (local.get $magic)))
        (local.set $two (i32x4.shl (local.get $k) (i32.const 23)))
        (local.set $k (f32x4.sub (local.get $k) (local.get $magic)))
        (local.set $r (f32x4.add (f32x4.mul (local.get $k) (local.get $ln2Hi)) (local.get $z)))
        (local.set $r (f32x4.add (f32x4.mul (local.get $k) (local.get $ln2Lo)) (local.get $r)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $c5) (local.get $r)) (local.get $c4)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $c3)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $c2)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $c1)))
        ;; e = 2^k + (r 2^k) P(r)
        (local.set $e (f32x4.add (f32x4.mul (f32x4.mul (local.get $r) (local.get $two)) (local.get $p)) (local.get $two)))
        (local.set $m (f32x4.mul
          (f32x4.div
            (v128.bitselect (local.get $one) (local.get $e) (f32x4.gt (local.get $x) (v128.const f32x4 0 0 0 0)))
            (f32x4.add (local.get $e) (local.get $one)))
          (local.get $scv)))
        (v128.store (i32.add (local.get $mc) (local.get $i)) (local.get $m))
        (v128.store (i32.add (local.get $y) (local.get $i))
          (f32x4.mul (v128.load (i32.add (local.get $w) (local.get $i))) (local.get $m)))
        (local.set $fresh (v128.and (local.get $m) (local.get $unsummed)))
        (local.set $accLow (f64x2.add (local.get $accLow) (f64x2.promote_low_f32x4 (local.get $fresh))))
        (local.set $accHigh (f64x2.add (local.get $accHigh)
          (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $fresh) (local.get $fresh)))))
        (br_if $done (i32.eq (local.get $i) (local.get $last)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (if (i32.gt_u (local.get $i) (local.get $last))
          (then
            (local.set $unsummed (i32x4.ge_u
              (i32x4.add (i32x4.splat (local.get $last)) (v128.const i32x4 0 4 8 12))
              (i32x4.splat (local.get $i))))
            (local.set $i (local.get $last))))
        (br $next)))
    (local.set $accLow (f64x2.add (local.get $accLow) (local.get $accHigh)))
    (f32.store (local.get $sum)
      (f32.demote_f64
        (f64.add (f64x2.extract_lane 0 (local.get $accLow)) (f64x2.extract_lane 1 (local.get $accLow))))))

  ;; dx = x > 0 ? dy : 0, NaN where x is NaN (as tfjs-core's dy * step(x) gives): ReLU's gradient.
  ;; The mask of x > 0 keeps dy's bits; x != x's all-ones lanes are a NaN.
  (func (export "reluGrad") (param $x i32) (param $dy i32) (param $dx i32) (param $n i32)
    (local $i i32) (local $last i32) (local $xv v128)
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (block $done
      (loop $next
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $i))))
        (v128.store (i32.add (local.get $dx) (local.get $i))
          (v128.or
            (v128.and (v128.load (i32.add (local.get $dy) (local.get $i)))
              (f32x4.gt (local.get $xv) (v128.const f32x4 0 0 0 0)))
            (f32x4.ne (local.get $xv) (local.get $xv))))
        (br_if $done (i32.eq (local.get $i) (local.get $last)))
        (local.set $i (select (local.get $last) (i32.add (local.get $i) (i32.const 16))
          (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $last))))
        (br $next))))

  ;; dw = dy * mc;  ds = (dy * w + lambda) * (mc * (1 - mc * invScale) * t)
  (func (export "maskGrad") (param $dy i32) (param $w i32) (param $mc i32) (param $dw i32) (param $ds i32)
      (param $n i32) (param $t f32) (param $invScale f32) (param $lambda f32)
    (local $i i32) (local $last i32) (local $g v128) (local $m v128) (local $tv v128) (local $iv v128)
    (local $lv v128)
    (local.set $tv (f32x4.splat (local.get $t)))
    (local.set $iv (f32x4.splat (local.get $invScale)))
    (local.set $lv (f32x4.splat (local.get $lambda)))
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (block $done
      (loop $next
        (local.set $g (v128.load (i32.add (local.get $dy) (local.get $i))))
        (local.set $m (v128.load (i32.add (local.get $mc) (local.get $i))))
        (v128.store (i32.add (local.get $dw) (local.get $i)) (f32x4.mul (local.get $g) (local.get $m)))
        (v128.store (i32.add (local.get $ds) (local.get $i))
          (f32x4.mul
            (f32x4.add
              (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $w) (local.get $i))))
              (local.get $lv))
            (f32x4.mul
              (f32x4.mul (local.get $m)
                (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $m) (local.get $iv))))
              (local.get $tv))))
        (br_if $done (i32.eq (local.get $i) (local.get $last)))
        (local.set $i (select (local.get $last) (i32.add (local.get $i) (i32.const 16))
          (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $last))))
        (br $next))))

  ;; PyTorch's SGD with Nesterov momentum:
  ;;   g = grad + p * weightDecay (weightDecay 0: g = grad);  buf = buf * momentum + g;
  ;;   p = p - (g + buf * momentum) * lr
  (func (export "nesterovStep") (param $p i32) (param $grad i32) (param $buf i32) (param $pOut i32)
      (param $bufOut i32) (param $n i32) (param $lr f32) (param $momentum f32) (param $weightDecay f32)
    (local $i i32) (local $last i32) (local $pv v128) (local $g v128) (local $b v128)
    (local $lrv v128) (local $mv v128) (local $wdv v128) (local $decay i32)
    (local.set $lrv (f32x4.splat (local.get $lr)))
    (local.set $mv (f32x4.splat (local.get $momentum)))
    (local.set $wdv (f32x4.splat (local.get $weightDecay)))
    (local.set $decay (f32.ne (local.get $weightDecay) (f32.const 0)))
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (block $done
      (loop $next
        (local.set $pv (v128.load (i32.add (local.get $p) (local.get $i))))
        (local.set $g (v128.load (i32.add (local.get $grad) (local.get $i))))
        (if (local.get $decay)
          (then (local.set $g (f32x4.add (local.get $g) (f32x4.mul (local.get $pv) (local.get $wdv))))))
        (local.set $b (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $buf) (local.get $i))) (local.get $mv))
          (local.get $g)))
        (v128.store (i32.add (local.get $bufOut) (local.get $i)) (local.get $b))
        (v128.store (i32.add (local.get $pOut) (local.get $i))
          (f32x4.sub (local.get $pv)
            (f32x4.mul (f32x4.add (local.get $g) (f32x4.mul (local.get $b) (local.get $mv))) (local.get $lrv))))
        (br_if $done (i32.eq (local.get $i) (local.get $last)))
        (local.set $i (select (local.get $last) (i32.add (local.get $i) (i32.const 16))
          (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $last))))
        (br $next))))
  ;; maskGrad and then nesterovStep for the weights and for the logits, in one pass (the same
  ;; arithmetic in the same order, so bit for bit what the three kernels give): with g the gradient
  ;; of the masked weight W * mc,
  ;;   dw = g * mc;  ds = (g * w + lambda) * (mc * (1 - mc * invScale) * t)
  ;; and each of (w, dw) and (s, ds) through the Nesterov step with its own optimiser's settings.
  ;; wOut, wBufOut, sOut, sBufOut may be w, wBuf, s, sBuf themselves (each element is read before it
  ;; is written) when n is a multiple of 4.
  (func (export "maskedStep") (param $dy i32) (param $w i32) (param $mc i32) (param $s i32)
      (param $wBuf i32) (param $sBuf i32) (param $wOut i32) (param $wBufOut i32) (param $sOut i32)
      (param $sBufOut i32) (param $n i32) (param $t f32) (param $invScale f32) (param $lambda f32)
      (param $wLr f32) (param $wMomentum f32) (param $wDecay f32)
      (param $sLr f32) (param $sMomentum f32) (param $sDecay f32)
    (local $i i32) (local $last i32) (local $g v128) (local $m v128) (local $wv v128) (local $sv v128)
    (local $gw v128) (local $gs v128) (local $b v128)
    (local $tv v128) (local $iv v128) (local $lv v128)
    (local $wLrv v128) (local $wMv v128) (local $wDv v128) (local $sLrv v128) (local $sMv v128) (local $sDv v128)
    (local $wDecays i32) (local $sDecays i32)
    (local.set $tv (f32x4.splat (local.get $t)))
    (local.set $iv (f32x4.splat (local.get $invScale)))
    (local.set $lv (f32x4.splat (local.get $lambda)))
    (local.set $wLrv (f32x4.splat (local.get $wLr)))
    (local.set $wMv (f32x4.splat (local.get $wMomentum)))
    (local.set $wDv (f32x4.splat (local.get $wDecay)))
    (local.set $sLrv (f32x4.splat (local.get $sLr)))
    (local.set $sMv (f32x4.splat (local.get $sMomentum)))
    (local.set $sDv (f32x4.splat (local.get $sDecay)))
    (local.set $wDecays (f32.ne (local.get $wDecay) (f32.const 0)))
    (local.set $sDecays (f32.ne (local.get $sDecay) (f32.const 0)))
    (local.set $last (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
    (block $done
      (loop $next
        (local.set $g (v128.load (i32.add (local.get $dy) (local.get $i))))
        (local.set $m (v128.load (i32.add (local.get $mc) (local.get $i))))
        (local.set $wv (v128.load (i32.add (local.get $w) (local.get $i))))
        (local.set $sv (v128.load (i32.add (local.get $s) (local.get $i))))
        ;; The two gradients, as maskGrad computes them.
        (local.set $gw (f32x4.mul (local.get $g) (local.get $m)))
        (local.set $gs
          (f32x4.mul
            (f32x4.add (f32x4.mul (local.get $g) (local.get $wv)) (local.get $lv))
            (f32x4.mul
              (f32x4.mul (local.get $m)
                (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $m) (local.get $iv))))
              (local.get $tv))))
        ;; The weights' Nesterov step, as nesterovStep computes it.
        (if (local.get $wDecays)
          (then (local.set $gw (f32x4.add (local.get $gw) (f32x4.mul (local.get $wv) (local.get $wDv))))))
        (local.set $b (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $wBuf) (local.get $i))) (local.get $wMv))
          (local.get $gw)))
        (v128.store (i32.add (local.get $wBufOut) (local.get $i)) (local.get $b))
        (v128.store (i32.add (local.get $wOut) (local.get $i))
          (f32x4.sub (local.get $wv)
            (f32x4.mul (f32x4.add (local.get $gw) (f32x4.mul (local.get $b) (local.get $wMv))) (local.get $wLrv))))
        ;; The logits' one.
        (if (local.get $sDecays)
          (then (local.set $gs (f32x4.add (local.get $gs) (f32x4.mul (local.get $sv) (local.get $sDv))))))
        (local.set $b (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $sBuf) (local.get $i))) (local.get $sMv))
          (local.get $gs)))
        (v128.store (i32.add (local.get $sBufOut) (local.get $i)) (local.get $b))
        (v128.store (i32.add (local.get $sOut) (local.get $i))
          (f32x4.sub (local.get $sv)
            (f32x4.mul (f32x4.add (local.get $gs) (f32x4.mul (local.get $b) (local.get $sMv))) (local.get $sLrv))))
        (br_if $done (i32.eq (local.get $i) (local.get $last)))
        (local.set $i (select (local.get $last) (i32.add (local.get $i) (i32.const 16))
          (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $last))))
        (br $next))))

  ;; out = x^T for x [rows, cols] of 4-byte elements, row i of x starting xStride elements after row
  ;; i - 1 and row j of out outStride after row j - 1 (a slice of a larger tensor, or the tensor
  ;; itself: xStride = cols, outStride = rows). 4x4 blocks are transposed in registers by shuffles,
  ;; the rows and columns left over one element at a time. tfjs-backend-wasm's Transpose took 9 ns an
  ;; element on large matrices, and dense layers' gradients transpose their inputs and weights.
  (func (export "transpose2d") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
      (param $xStride i32) (param $outStride i32)
    (local $r i32) (local $c i32) (local $rows4 i32) (local $cols4 i32) (local $in i32) (local $to i32)
    (local $rowBytes i32) (local $colBytes i32)
    (local $a v128) (local $b v128) (local $cc v128) (local $d v128) (local $ab v128) (local $ab2 v128)
    (local $cd v128) (local $cd2 v128)
    (local.set $rows4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $rowBytes (i32.shl (local.get $xStride) (i32.const 2)))
    (local.set $colBytes (i32.shl (local.get $outStride) (i32.const 2)))
    (block $blockRowsDone
      (loop $blockRow
        (br_if $blockRowsDone (i32.ge_u (local.get $r) (local.get $rows4)))
        (local.set $c (i32.const 0))
        (block $blocksDone
          (loop $block
            (br_if $blocksDone (i32.ge_u (local.get $c) (local.get $cols4)))
            (local.set $in (i32.add (local.get $x)
              (i32.shl (i32.add (i32.mul (local.get $r) (local.get $xStride)) (local.get $c)) (i32.const 2))))
            (local.set $a (v128.load (local.get $in)))
            (local.set $b (v128.load (i32.add (local.get $in) (local.get $rowBytes))))
            (local.set $cc (v128.load (i32.add (local.get $in) (i32.shl (local.get $rowBytes) (i32.const 1)))))
            (local.set $d (v128.load (i32.add (local.get $in) (i32.mul (local.get $rowBytes) (i32.const 3)))))
            ;; (a0 b0 a1 b1), (a2 b2 a3 b3), (c0 d0 c1 d1), (c2 d2 c3 d3)
            (local.set $ab (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
            (local.set $ab2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
            (local.set $cd (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $cc) (local.get $d)))
            (local.set $cd2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $cc) (local.get $d)))
            (local.set $to (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $c) (local.get $outStride)) (local.get $r)) (i32.const 2))))
            (v128.store (local.get $to)
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd)))
            (v128.store (i32.add (local.get $to) (local.get $colBytes))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd)))
            (v128.store (i32.add (local.get $to) (i32.shl (local.get $colBytes) (i32.const 1)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab2) (local.get $cd2)))
            (v128.store (i32.add (local.get $to) (i32.mul (local.get $colBytes) (i32.const 3)))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab2) (local.get $cd2)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $block)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $blockRow)))
    ;; Left over: the columns past cols4 of the first rows4 rows, then every column of the last rows.
    (call $transposeScalar (local.get $x) (local.get $out) (local.get $cols) (local.get $xStride)
      (local.get $outStride) (i32.const 0) (local.get $rows4) (local.get $cols4))
    (call $transposeScalar (local.get $x) (local.get $out) (local.get $cols) (local.get $xStride)
      (local.get $outStride) (local.get $rows4) (local.get $rows) (i32.const 0)))

  ;; out[c, r] = x[r, c] for r in [r0, r1), c in [c0, cols), with transpose2d's strides.
  (func $transposeScalar (param $x i32) (param $out i32) (param $cols i32) (param $xStride i32)
      (param $outStride i32) (param $r0 i32) (param $r1 i32) (param $c0 i32)
    (local $r i32) (local $c i32)
    (local.set $r (local.get $r0))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $r1)))
        (local.set $c (local.get $c0))
        (block $colsDone
          (loop $col
            (br_if $colsDone (i32.ge_u (local.get $c) (local.get $cols)))
            (f32.store
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $c) (local.get $outStride)) (local.get $r)) (i32.const 2)))
              (f32.load (i32.add (local.get $x)
                (i32.shl (i32.add (i32.mul (local.get $r) (local.get $xStride)) (local.get $c)) (i32.const 2)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $col)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; out[j, i] = x[i, j] for x [a, b] whose elements are rows of rowBytes bytes, each moved whole:
  ;; a transpose by [1, 0, 2] whose last axis stays put.
  (func (export "moveRows") (param $x i32) (param $out i32) (param $a i32) (param $b i32) (param $rowBytes i32)
    (local $i i32) (local $j i32) (local $from i32)
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $a)))
        (local.set $from (i32.add (local.get $x)
          (i32.mul (i32.mul (local.get $i) (local.get $b)) (local.get $rowBytes))))
        (local.set $j (i32.const 0))
        (block $colsDone
          (loop $col
            (br_if $colsDone (i32.ge_u (local.get $j) (local.get $b)))
            (memory.copy
              (i32.add (local.get $out)
                (i32.mul (i32.add (i32.mul (local.get $j) (local.get $a)) (local.get $i)) (local.get $rowBytes)))
              (local.get $from)
              (local.get $rowBytes))
            (local.set $from (i32.add (local.get $from) (local.get $rowBytes)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $col)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row))))

  ;; out[c] = sum over r of x[r, c] for x [rows, cols] (float32), each column added up in float64 in
  ;; row order and rounded once, as tfjs-backend-cpu's Sum does: the bias gradients (dy summed over
  ;; batch and pixels). acc is scratch for cols float64s. Four columns at a time in two f64x2s.
  (func (export "columnSums") (param $x i32) (param $out i32) (param $acc i32) (param $rows i32)
      (param $cols i32)
    (local $r i32) (local $c i32) (local $cols4 i32) (local $row i32) (local $v v128) (local $at i32)
    (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $cols) (i32.const 3)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $x)
          (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
        (local.set $c (i32.const 0))
        (block $groupsDone
          (loop $group
            (br_if $groupsDone (i32.ge_u (local.get $c) (local.get $cols4)))
            (local.set $v (v128.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $at (i32.add (local.get $acc) (i32.shl (local.get $c) (i32.const 3))))
            (v128.store (local.get $at)
              (f64x2.add (v128.load (local.get $at)) (f64x2.promote_low_f32x4 (local.get $v))))
            (v128.store (i32.add (local.get $at) (i32.const 16))
              (f64x2.add (v128.load (i32.add (local.get $at) (i32.const 16)))
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $group)))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $c) (local.get $cols)))
            (local.set $at (i32.add (local.get $acc) (i32.shl (local.get $c) (i32.const 3))))
            (f64.store (local.get $at)
              (f64.add (f64.load (local.get $at))
                (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $tail)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop)))
    (local.set $c (i32.const 0))
    (block $written
      (loop $write
        (br_if $written (i32.ge_u (local.get $c) (local.get $cols)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2)))
          (f32.demote_f64 (f64.load (i32.add (local.get $acc) (i32.shl (local.get $c) (i32.const 3))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $write))))

  ;; Max pooling's gradient, NHWC with c a multiple of 4: each window's first largest input (row-major,
  ;; strictly greater wins, as tfjs-backend-cpu picks it) receives that window's dy, four channels at
  ;; a time. Windows are visited in output order, so dx adds up in the order the JavaScript version
  ;; (wasmGradKernels.ts, which handles other channel counts) adds.
  (func (export "maxPoolGrad") (param $x i32) (param $dy i32) (param $dx i32) (param $batch i32)
      (param $inH i32) (param $inW i32) (param $c i32) (param $outH i32) (param $outW i32) (param $fh i32)
      (param $fw i32) (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32)
    (local $b i32) (local $yR i32) (local $yC i32) (local $d i32) (local $r i32) (local $col i32)
    (local $rMin i32) (local $rMax i32) (local $cMin i32) (local $cMax i32) (local $idx i32) (local $a i32)
    (local $to i32) (local $best v128) (local $at v128) (local $v v128) (local $gt v128) (local $g v128)
    (memory.fill (local.get $dx) (i32.const 0)
      (i32.shl (i32.mul (i32.mul (local.get $batch) (local.get $inH)) (i32.mul (local.get $inW) (local.get $c)))
        (i32.const 2)))
    (block $imagesDone (loop $image
      (br_if $imagesDone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $yR (i32.const 0))
      (block $rowsDone (loop $outRow
        (br_if $rowsDone (i32.ge_u (local.get $yR) (local.get $outH)))
        ;; the window's rows [rMin, rMax), clipped to the input (signed: the padding is above it)
        (local.set $rMin (i32.sub (i32.mul (local.get $yR) (local.get $sh)) (local.get $pt)))
        (local.set $rMax (i32.add (local.get $rMin) (local.get $fh)))
        (if (i32.lt_s (local.get $rMin) (i32.const 0)) (then (local.set $rMin (i32.const 0))))
        (if (i32.gt_s (local.get $rMax) (local.get $inH)) (then (local.set $rMax (local.get $inH))))
        (local.set $yC (i32.const 0))
        (block $colsDone (loop $outCol
          (br_if $colsDone (i32.ge_u (local.get $yC) (local.get $outW)))
          (local.set $cMin (i32.sub (i32.mul (local.get $yC) (local.get $sw)) (local.get $pl)))
          (local.set $cMax (i32.add (local.get $cMin) (local.get $fw)))
          (if (i32.lt_s (local.get $cMin) (i32.const 0)) (then (local.set $cMin (i32.const 0))))
          (if (i32.gt_s (local.get $cMax) (local.get $inW)) (then (local.set $cMax (local.get $inW))))
          (local.set $d (i32.const 0))
          (block $channelsDone (loop $channels
            (br_if $channelsDone (i32.ge_u (local.get $d) (local.get $c)))
            (local.set $best (v128.const f32x4 -inf -inf -inf -inf))
            (local.set $at (v128.const i32x4 -1 -1 -1 -1))
            (local.set $r (local.get $rMin))
            (block $winRowsDone (loop $winRow
              (br_if $winRowsDone (i32.ge_s (local.get $r) (local.get $rMax)))
              (local.set $col (local.get $cMin))
              (block $winColsDone (loop $winCol
                (br_if $winColsDone (i32.ge_s (local.get $col) (local.get $cMax)))
                ;; element index of x[b, r, col, d]
                (local.set $idx (i32.add
                  (i32.mul
                    (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH)) (local.get $r))
                      (local.get $inW)) (local.get $col))
                    (local.get $c))
                  (local.get $d)))
                (local.set $v (v128.load (i32.add (local.get $x) (i32.shl (local.get $idx) (i32.const 2)))))
                (local.set $gt (f32x4.gt (local.get $v) (local.get $best)))
                (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $gt)))
                (local.set $at (v128.bitselect
                  (i32x4.add (i32x4.splat (local.get $idx)) (v128.const i32x4 0 1 2 3))
                  (local.get $at) (local.get $gt)))
                (local.set $col (i32.add (local.get $col) (i32.const 1)))
                (br $winCol)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br $winRow)))
            (local.set $g (v128.load (i32.add (local.get $dy)
              (i32.shl
                (i32.add
                  (i32.mul
                    (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $outH)) (local.get $yR))
                      (local.get $outW)) (local.get $yC))
                    (local.get $c))
                  (local.get $d))
                (i32.const 2)))))
            ;; dx[at] += dy for each lane whose window had a largest value
                (local.set $a (i32x4.extract_lane 0 (local.get $at)))
                (if (i32.ge_s (local.get $a) (i32.const 0))
                  (then
                    (local.set $to (i32.add (local.get $dx) (i32.shl (local.get $a) (i32.const 2))))
                    (f32.store (local.get $to)
                      (f32.add (f32.load (local.get $to)) (f32x4.extract_lane 0 (local.get $g))))))
                (local.set $a (i32x4.extract_lane 1 (local.get $at)))
                (if (i32.ge_s (local.get $a) (i32.const 0))
                  (then
                    (local.set $to (i32.add (local.get $dx) (i32.shl (local.get $a) (i32.const 2))))
                    (f32.store (local.get $to)
                      (f32.add (f32.load (local.get $to)) (f32x4.extract_lane 1 (local.get $g))))))
                (local.set $a (i32x4.extract_lane 2 (local.get $at)))
                (if (i32.ge_s (local.get $a) (i32.const 0))
                  (then
                    (local.set $to (i32.add (local.get $dx) (i32.shl (local.get $a) (i32.const 2))))
                    (f32.store (local.get $to)
                      (f32.add (f32.load (local.get $to)) (f32x4.extract_lane 2 (local.get $g))))))
                (local.set $a (i32x4.extract_lane 3 (local.get $at)))
                (if (i32.ge_s (local.get $a) (i32.const 0))
                  (then
                    (local.set $to (i32.add (local.get $dx) (i32.shl (local.get $a) (i32.const 2))))
                    (f32.store (local.get $to)
                      (f32.add (f32.load (local.get $to)) (f32x4.extract_lane 3 (local.get $g))))))
            (local.set $d (i32.add (local.get $d) (i32.const 4)))
            (br $channels)))
          (local.set $yC (i32.add (local.get $yC) (i32.const 1)))
          (br $outCol)))
        (local.set $yR (i32.add (local.get $yR) (i32.const 1)))
        (br $outRow)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $image))))

  ;; A convolution's filter gradient, dw[kh, kw, ci, co] = sum over b, oy, ox of
  ;; x[b, oy*sh + kh - pt, ox*sw + kw - pl, ci] * dy[b, oy, ox, co] (NHWC x and dy, x read as zero
  ;; outside the image), written to dw [fh, fw, ci, co]; ci must be a multiple of 4 and co of 8 (the
  ;; caller pads channels). XNNPACK has no such kernel: run as a convolution with dy as its filter
  ;; (a 576 x 64 output over a 131,072-long reduction, which its GEMM does not block for the caches)
  ;; it took 612-700 ms for Conv-2's 64->64 layer at batch 128. This loop keeps a 4 x 8 tile of dw in
  ;; eight registers while it walks chunkRows output rows of one image, so x and dy stay in L1/L2
  ;; across the tiles of a chunk: 210 ms. Batch and pixels are the reduction, so nothing is transposed.
  (func (export "convFilterGrad")
      (param $x i32) (param $dy i32) (param $dw i32) (param $co i32) (param $chunkRows i32)
      ;; the window geometry, in maxPoolGrad's order
      (param $batch i32) (param $inH i32) (param $inW i32) (param $ci i32) (param $outH i32) (param $outW i32)
      (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32)
    (local $b i32) (local $oy0 i32) (local $oy1 i32) (local $kh i32) (local $kw i32) (local $cb i32)
    (local $ob i32) (local $oy i32) (local $iy i32) (local $ox0 i32) (local $ox1 i32) (local $lo i32)
    (local $hi i32) (local $xp i32) (local $dp i32) (local $end i32) (local $xStep i32) (local $coBytes i32)
    (local $t i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $d0 v128) (local $d1 v128) (local $s v128)
    (memory.fill (local.get $dw) (i32.const 0)
      (i32.shl (i32.mul (i32.mul (local.get $fh) (local.get $fw)) (i32.mul (local.get $ci) (local.get $co))) (i32.const 2)))
    (local.set $xStep (i32.shl (i32.mul (local.get $sw) (local.get $ci)) (i32.const 2)))
    (local.set $coBytes (i32.shl (local.get $co) (i32.const 2)))
    (local.set $b (i32.const 0))
    (block $imagesDone (loop $image
      (br_if $imagesDone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $oy0 (i32.const 0))
      (block $chunksDone (loop $chunk
        (br_if $chunksDone (i32.ge_u (local.get $oy0) (local.get $outH)))
        (local.set $oy1 (i32.add (local.get $oy0) (local.get $chunkRows)))
        (if (i32.gt_u (local.get $oy1) (local.get $outH)) (then (local.set $oy1 (local.get $outH))))
        (local.set $kh (i32.const 0))
        (block $khDone (loop $khLoop
          (br_if $khDone (i32.ge_u (local.get $kh) (local.get $fh)))
          (local.set $kw (i32.const 0))
          (block $kwDone (loop $kwLoop
            (br_if $kwDone (i32.ge_u (local.get $kw) (local.get $fw)))
            ;; the output columns whose input column ox*sw + kw - pl lies inside the image
            (local.set $lo (i32.sub (local.get $pl) (local.get $kw)))
            (local.set $ox0 (select
              (i32.div_s (i32.sub (i32.add (local.get $lo) (local.get $sw)) (i32.const 1)) (local.get $sw))
              (i32.const 0) (i32.gt_s (local.get $lo) (i32.const 0))))
            (local.set $hi (i32.sub (i32.add (i32.sub (local.get $inW) (i32.const 1)) (local.get $pl)) (local.get $kw)))
            (local.set $ox1 (select (i32.const 0)
              (i32.add (i32.div_s (local.get $hi) (local.get $sw)) (i32.const 1))
              (i32.lt_s (local.get $hi) (i32.const 0))))
            (if (i32.gt_s (local.get $ox1) (local.get $outW)) (then (local.set $ox1 (local.get $outW))))
            (if (i32.lt_s (local.get $ox0) (local.get $ox1)) (then
            (local.set $cb (i32.const 0))
            (block $cbDone (loop $cbLoop
              (br_if $cbDone (i32.ge_u (local.get $cb) (local.get $ci)))
              (local.set $ob (i32.const 0))
              (block $obDone (loop $obLoop
                (br_if $obDone (i32.ge_u (local.get $ob) (local.get $co)))
                (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
                (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
                (local.set $a4 (v128.const i32x4 0 0 0 0)) (local.set $a5 (v128.const i32x4 0 0 0 0))
                (local.set $a6 (v128.const i32x4 0 0 0 0)) (local.set $a7 (v128.const i32x4 0 0 0 0))
                (local.set $oy (local.get $oy0))
                (block $oyDone (loop $oyLoop
                  (br_if $oyDone (i32.ge_u (local.get $oy) (local.get $oy1)))
                  (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (local.get $kh)) (local.get $pt)))
                  (if (i32.and (i32.ge_s (local.get $iy) (i32.const 0)) (i32.lt_s (local.get $iy) (local.get $inH)))
                    (then
                      ;; x[b, iy, ox0*sw + kw - pl, cb]
                      (local.set $xp (i32.add (local.get $x) (i32.shl
                        (i32.add (i32.mul
                          (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH)) (local.get $iy)) (local.get $inW))
                            (i32.sub (i32.add (i32.mul (local.get $ox0) (local.get $sw)) (local.get $kw)) (local.get $pl)))
                          (local.get $ci)) (local.get $cb))
                        (i32.const 2))))
                      ;; dy[b, oy, ox0, ob]
                      (local.set $t (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $outH)) (local.get $oy)) (local.get $outW)) (local.get $ox0)))
                      (local.set $dp (i32.add (local.get $dy) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $co)) (local.get $ob)) (i32.const 2))))
                      (local.set $end (i32.add (local.get $dp) (i32.mul (i32.sub (local.get $ox1) (local.get $ox0)) (local.get $coBytes))))
                      (loop $px
                        (local.set $d0 (v128.load (local.get $dp)))
                        (local.set $d1 (v128.load offset=16 (local.get $dp)))
                        (local.set $s (v128.load32_splat (local.get $xp)))
                        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $d0))))
                        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $d1))))
                        (local.set $s (v128.load32_splat offset=4 (local.get $xp)))
                        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $d0))))
                        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $d1))))
                        (local.set $s (v128.load32_splat offset=8 (local.get $xp)))
                        (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $d0))))
                        (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $d1))))
                        (local.set $s (v128.load32_splat offset=12 (local.get $xp)))
                        (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $d0))))
                        (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $d1))))
                        (local.set $xp (i32.add (local.get $xp) (local.get $xStep)))
                        (local.set $dp (i32.add (local.get $dp) (local.get $coBytes)))
                        (br_if $px (i32.ne (local.get $dp) (local.get $end))))))
                  (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
                  (br $oyLoop)))
                ;; dw[kh, kw, cb + r, ob ..] += the tile's row r
                (local.set $t (i32.add (local.get $dw) (i32.shl
                  (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $kh) (local.get $fw)) (local.get $kw)) (local.get $ci)) (local.get $cb)) (local.get $co)) (local.get $ob))
                  (i32.const 2))))
                (v128.store (local.get $t) (f32x4.add (v128.load (local.get $t)) (local.get $a0)))
                (v128.store offset=16 (local.get $t) (f32x4.add (v128.load offset=16 (local.get $t)) (local.get $a1)))
                (local.set $t (i32.add (local.get $t) (local.get $coBytes)))
                (v128.store (local.get $t) (f32x4.add (v128.load (local.get $t)) (local.get $a2)))
                (v128.store offset=16 (local.get $t) (f32x4.add (v128.load offset=16 (local.get $t)) (local.get $a3)))
                (local.set $t (i32.add (local.get $t) (local.get $coBytes)))
                (v128.store (local.get $t) (f32x4.add (v128.load (local.get $t)) (local.get $a4)))
                (v128.store offset=16 (local.get $t) (f32x4.add (v128.load offset=16 (local.get $t)) (local.get $a5)))
                (local.set $t (i32.add (local.get $t) (local.get $coBytes)))
                (v128.store (local.get $t) (f32x4.add (v128.load (local.get $t)) (local.get $a6)))
                (v128.store offset=16 (local.get $t) (f32x4.add (v128.load offset=16 (local.get $t)) (local.get $a7)))
                (local.set $ob (i32.add (local.get $ob) (i32.const 8)))
                (br $obLoop)))
              (local.set $cb (i32.add (local.get $cb) (i32.const 4)))
              (br $cbLoop)))))
            (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
            (br $kwLoop)))
          (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
          (br $khLoop)))
        (local.set $oy0 (local.get $oy1))
        (br $chunk)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $image))))

  ;; A convolution, y[b, oy, ox, o] = sum over kh, kw, c of x[b, oy*sh + kh - pt, ox*sw + kw - pl, c] *
  ;; w[kh, kw, c, o] (NHWC x and y, read as zero outside the image; dilation 1), with w packed as
  ;; [co / 16, fh, fw, ci, 16] so that each block of 16 output channels is read in order. co must be a
  ;; multiple of 16; `zero` points at ci zeros, read for window columns outside the image.
  ;; A tile of 2 output pixels by 16 output channels stays in 8 registers for the whole reduction
  ;; (fh * fw * ci terms), so y is written once; per input channel it reads 4 vectors of w and 2 of x
  ;; (splatted) for 8 multiply-adds, which the fused build makes FMA instructions (XNNPACK's wasm
  ;; convolution multiplies and adds apart). Conv-2's 64 -> 64 layer at batch 128, one thread: 208-212 ms
  ;; (XNNPACK's: 289); 4 pixels by 8 channels took 224, 3 by 16 (spilling) 262. One channel per
  ;; iteration: with four, TurboFan hoisted all the loads to the top of the loop and spilled half of them.
  (func (export "conv2d")
      (param $x i32) (param $w i32) (param $y i32) (param $co i32) (param $zero i32)
      ;; the window geometry, in maxPoolGrad's order
      (param $batch i32) (param $inH i32) (param $inW i32) (param $ci i32) (param $outH i32) (param $outW i32)
      (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32)
    (local $b i32) (local $oy i32) (local $ob i32) (local $ox i32) (local $kh i32) (local $kw i32)
    (local $iy i32) (local $ix i32) (local $rowAt i32) (local $wp i32) (local $k i32) (local $t i32)
    (local $ciBytes i32) (local $coBytes i32) (local $filterSize i32)
    (local $p0 i32) (local $p1 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128) (local $s v128)
    (local.set $ciBytes (i32.shl (local.get $ci) (i32.const 2)))
    (local.set $coBytes (i32.shl (local.get $co) (i32.const 2)))
    (local.set $filterSize (i32.mul (i32.mul (local.get $fh) (local.get $fw)) (local.get $ci)))
    (local.set $b (i32.const 0))
    (block $imagesDone (loop $image
      (br_if $imagesDone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $oy (i32.const 0))
      (block $rowsDone (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $oy) (local.get $outH)))
        (local.set $ox (i32.const 0))
        (block $oxDone (loop $oxLoop
          (br_if $oxDone (i32.ge_u (local.get $ox) (local.get $outW)))
          (local.set $ob (i32.const 0))
          (block $obDone (loop $obLoop
            (br_if $obDone (i32.ge_u (local.get $ob) (local.get $co)))
            (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $a4 (v128.const i32x4 0 0 0 0)) (local.set $a5 (v128.const i32x4 0 0 0 0))
            (local.set $a6 (v128.const i32x4 0 0 0 0)) (local.set $a7 (v128.const i32x4 0 0 0 0))
            (local.set $kh (i32.const 0))
            (block $khDone (loop $khLoop
              (br_if $khDone (i32.ge_u (local.get $kh) (local.get $fh)))
              (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (local.get $kh)) (local.get $pt)))
              ;; a row outside the image adds nothing (unsigned: a negative iy is large)
              (if (i32.lt_u (local.get $iy) (local.get $inH)) (then
                (local.set $rowAt (i32.add (local.get $x)
                  (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH)) (local.get $iy)) (local.get $inW))
                    (local.get $ciBytes))))
                (local.set $kw (i32.const 0))
                (block $kwDone (loop $kwLoop
                  (br_if $kwDone (i32.ge_u (local.get $kw) (local.get $fw)))
                  ;; the pixels' input columns, each read from the zeros outside the image
                  (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $sw)) (local.get $kw)) (local.get $pl)))
                  (local.set $p0 (select (i32.add (local.get $rowAt) (i32.mul (local.get $ix) (local.get $ciBytes)))
                    (local.get $zero) (i32.lt_u (local.get $ix) (local.get $inW))))
                  (local.set $ix (i32.add (local.get $ix) (local.get $sw)))
                  (local.set $p1 (select (i32.add (local.get $rowAt) (i32.mul (local.get $ix) (local.get $ciBytes)))
                    (local.get $zero) (i32.lt_u (local.get $ix) (local.get $inW))))
                  ;; w[ob / 8, kh, kw, 0, 0]
                  (local.set $wp (i32.add (local.get $w) (i32.shl
                    (i32.add (i32.mul (local.get $ob) (local.get $filterSize))
                      (i32.mul (i32.mul (i32.add (i32.mul (local.get $kh) (local.get $fw)) (local.get $kw)) (local.get $ci)) (i32.const 16)))
                    (i32.const 2))))
                  (local.set $k (i32.const 0))
                  (loop $channels
                    (local.set $d0 (v128.load (local.get $wp)))
                    (local.set $d1 (v128.load offset=16 (local.get $wp)))
                    (local.set $d2 (v128.load offset=32 (local.get $wp)))
                    (local.set $d3 (v128.load offset=48 (local.get $wp)))
                    (local.set $s (v128.load32_splat (local.get $p0)))
                    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $d0))))
                    (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $d1))))
                    (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $d2))))
                    (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $d3))))
                    (local.set $s (v128.load32_splat (local.get $p1)))
                    (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $d0))))
                    (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $d1))))
                    (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $d2))))
                    (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $d3))))
                    (local.set $wp (i32.add (local.get $wp) (i32.const 64)))
                    (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
                    (local.set $p1 (i32.add (local.get $p1) (i32.const 4)))
                    (local.set $k (i32.add (local.get $k) (i32.const 4)))
                    (br_if $channels (i32.lt_u (local.get $k) (local.get $ciBytes))))
                  (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
                  (br $kwLoop)))))
              (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
              (br $khLoop)))
            ;; y[b, oy, ox + p, ob ..]: the tile's pixels that lie inside the row
            (local.set $t (i32.add (local.get $y) (i32.shl
              (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $outH)) (local.get $oy)) (local.get $outW)) (local.get $ox)) (local.get $co))
                (local.get $ob))
              (i32.const 2))))
            (v128.store (local.get $t) (local.get $a0))
            (v128.store offset=16 (local.get $t) (local.get $a1))
            (v128.store offset=32 (local.get $t) (local.get $a2))
            (v128.store offset=48 (local.get $t) (local.get $a3))
            (if (i32.lt_u (i32.add (local.get $ox) (i32.const 1)) (local.get $outW)) (then
              (local.set $t (i32.add (local.get $t) (local.get $coBytes)))
              (v128.store (local.get $t) (local.get $a4))
              (v128.store offset=16 (local.get $t) (local.get $a5))
              (v128.store offset=32 (local.get $t) (local.get $a6))
              (v128.store offset=48 (local.get $t) (local.get $a7))
              ))
            (local.set $ob (i32.add (local.get $ob) (i32.const 16)))
            (br $obLoop)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 2)))
          (br $oxLoop)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $row)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $image))))

  ;; A matrix product in chunks of the reduction: c[m, n] = a[m, k] * b[k, n], a's rows lda bytes apart
  ;; and c's ldc, b packed as [n / 8, k, 8] (bStride bytes a block of eight columns; n a multiple of 8).
  ;; conv2d's tile (four rows by eight columns in eight registers, one multiply-add per vector), over
  ;; kChunk terms of the reduction at a time, each chunk adding to c, and nChunk columns at a time: with a
  ;; chunk of b (kChunk x nChunk) in L2, each part of b is read from memory once, not once per 4 rows.
  ;; Conv-2's 16384 x 256 layer: 25 ms forward (b packed each step) where XNNPACK took 55.
  (func (export "gemm")
      (param $a i32) (param $lda i32) (param $b i32) (param $bStride i32) (param $c i32) (param $ldc i32)
      (param $m i32) (param $n i32) (param $k i32) (param $kChunk i32) (param $nChunk i32)
    (local $k0 i32) (local $kc i32) (local $n0 i32) (local $n1 i32) (local $r i32) (local $ob i32) (local $wp i32)
    (local $end i32) (local $t i32)
    (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $d0 v128) (local $d1 v128) (local $s v128)
    (block $chunksDone (loop $chunk
      (br_if $chunksDone (i32.ge_u (local.get $k0) (local.get $k)))
      (local.set $kc (select (local.get $kChunk) (i32.sub (local.get $k) (local.get $k0))
        (i32.lt_u (local.get $kChunk) (i32.sub (local.get $k) (local.get $k0)))))
      (local.set $n0 (i32.const 0))
      (block $panelsDone (loop $panel
      (br_if $panelsDone (i32.ge_u (local.get $n0) (local.get $n)))
      (local.set $n1 (select (i32.add (local.get $n0) (local.get $nChunk)) (local.get $n)
        (i32.lt_u (i32.add (local.get $n0) (local.get $nChunk)) (local.get $n))))
      (local.set $r (i32.const 0))
      (block $rowsDone (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $m)))
        ;; the tile's rows of a (from column k0) and of c; rows past m repeat row r, never stored
        (local.set $q0 (i32.add (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $lda))) (i32.shl (local.get $k0) (i32.const 2))))
        (local.set $c0 (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $ldc))))
        (local.set $t (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $m)))
        (local.set $q1 (select (i32.add (local.get $q0) (i32.mul (local.get $lda) (i32.const 1))) (local.get $q0) (local.get $t)))
        (local.set $c1 (select (i32.add (local.get $c0) (i32.mul (local.get $ldc) (i32.const 1))) (local.get $c0) (local.get $t)))
        (local.set $t (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $m)))
        (local.set $q2 (select (i32.add (local.get $q0) (i32.mul (local.get $lda) (i32.const 2))) (local.get $q0) (local.get $t)))
        (local.set $c2 (select (i32.add (local.get $c0) (i32.mul (local.get $ldc) (i32.const 2))) (local.get $c0) (local.get $t)))
        (local.set $t (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $m)))
        (local.set $q3 (select (i32.add (local.get $q0) (i32.mul (local.get $lda) (i32.const 3))) (local.get $q0) (local.get $t)))
        (local.set $c3 (select (i32.add (local.get $c0) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c0) (local.get $t)))
        (local.set $ob (local.get $n0))
        (block $colsDone (loop $cols
          (br_if $colsDone (i32.ge_u (local.get $ob) (local.get $n1)))
          (local.set $t (i32.shl (local.get $ob) (i32.const 2)))
          (if (i32.eqz (local.get $k0))
            (then
              (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
              (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
              (local.set $a4 (v128.const i32x4 0 0 0 0)) (local.set $a5 (v128.const i32x4 0 0 0 0))
              (local.set $a6 (v128.const i32x4 0 0 0 0)) (local.set $a7 (v128.const i32x4 0 0 0 0))
            )
            (else
              (local.set $a0 (v128.load (i32.add (local.get $c0) (local.get $t))))
              (local.set $a1 (v128.load offset=16 (i32.add (local.get $c0) (local.get $t))))
              (local.set $a2 (v128.load (i32.add (local.get $c1) (local.get $t))))
              (local.set $a3 (v128.load offset=16 (i32.add (local.get $c1) (local.get $t))))
              (local.set $a4 (v128.load (i32.add (local.get $c2) (local.get $t))))
              (local.set $a5 (v128.load offset=16 (i32.add (local.get $c2) (local.get $t))))
              (local.set $a6 (v128.load (i32.add (local.get $c3) (local.get $t))))
              (local.set $a7 (v128.load offset=16 (i32.add (local.get $c3) (local.get $t))))
            ))
          (local.set $wp (i32.add (i32.add (local.get $b) (i32.mul (i32.shr_u (local.get $ob) (i32.const 3)) (local.get $bStride)))
            (i32.shl (local.get $k0) (i32.const 5))))
          (local.set $p0 (local.get $q0))
          (local.set $p1 (local.get $q1))
          (local.set $p2 (local.get $q2))
          (local.set $p3 (local.get $q3))
          (local.set $end (i32.add (local.get $q0) (i32.shl (local.get $kc) (i32.const 2))))
          (loop $terms
            (local.set $d0 (v128.load (local.get $wp)))
            (local.set $d1 (v128.load offset=16 (local.get $wp)))
            (local.set $s (v128.load32_splat (local.get $p0)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $d0))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $d1))))
            (local.set $s (v128.load32_splat (local.get $p1)))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $d0))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $d1))))
            (local.set $s (v128.load32_splat (local.get $p2)))
            (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $d0))))
            (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $d1))))
            (local.set $s (v128.load32_splat (local.get $p3)))
            (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $d0))))
            (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $d1))))
            (local.set $wp (i32.add (local.get $wp) (i32.const 32)))
            (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
            (local.set $p1 (i32.add (local.get $p1) (i32.const 4)))
            (local.set $p2 (i32.add (local.get $p2) (i32.const 4)))
            (local.set $p3 (i32.add (local.get $p3) (i32.const 4)))
            (br_if $terms (i32.ne (local.get $p0) (local.get $end))))
          (v128.store (i32.add (local.get $c0) (local.get $t)) (local.get $a0))
          (v128.store offset=16 (i32.add (local.get $c0) (local.get $t)) (local.get $a1))
          (if (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $m)) (then
            (v128.store (i32.add (local.get $c1) (local.get $t)) (local.get $a2))
            (v128.store offset=16 (i32.add (local.get $c1) (local.get $t)) (local.get $a3))))
          (if (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $m)) (then
            (v128.store (i32.add (local.get $c2) (local.get $t)) (local.get $a4))
            (v128.store offset=16 (i32.add (local.get $c2) (local.get $t)) (local.get $a5))))
          (if (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $m)) (then
            (v128.store (i32.add (local.get $c3) (local.get $t)) (local.get $a6))
            (v128.store offset=16 (i32.add (local.get $c3) (local.get $t)) (local.get $a7))))
          (local.set $ob (i32.add (local.get $ob) (i32.const 8)))
          (br $cols)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $rows)))
      (local.set $n0 (local.get $n1))
      (br $panel)))
      (local.set $k0 (i32.add (local.get $k0) (local.get $kc)))
      (br $chunk))))

  ;; b [k, n] packed for gemm as [n / 8, k, 8]: row by row, each block of eight values moved as two
  ;; vectors to its block's row (n a multiple of 8). Reading b in order (writing 32 bytes to each block)
  ;; took 2 ms for a 16384 x 256 matrix, reading it a block of columns at a time 4.5.
  (func (export "packColumns8") (param $b i32) (param $out i32) (param $k i32) (param $n i32)
    (local $src i32) (local $rowEnd i32) (local $dst i32) (local $row i32) (local $blockBytes i32)
    (local.set $blockBytes (i32.shl (local.get $k) (i32.const 5)))
    (local.set $src (local.get $b))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $row) (local.get $k)))
      (local.set $dst (i32.add (local.get $out) (i32.shl (local.get $row) (i32.const 5))))
      (local.set $rowEnd (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
      (block $rowDone (loop $blocks
        (br_if $rowDone (i32.ge_u (local.get $src) (local.get $rowEnd)))
        (v128.store (local.get $dst) (v128.load (local.get $src)))
        (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
        (local.set $src (i32.add (local.get $src) (i32.const 32)))
        (local.set $dst (i32.add (local.get $dst) (local.get $blockBytes)))
        (br $blocks)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $rows))))

  ;; For the layer statistics: counts[0] = how many s > 0 (kept), counts[1 + j] = how many s < edges[j]
  ;; (cumulative histogram counts, compared in float32 as the device path compares; NaN is neither).
  ;; One pass per count over the logits, four at a time; the last n % 4 one at a time.
  (func (export "countLogits") (param $s i32) (param $n i32) (param $edges i32) (param $nEdges i32)
      (param $counts i32)
    (local $j i32) (local $i i32) (local $whole i32) (local $end i32) (local $bound v128) (local $acc v128)
    (local $count i32) (local $edge f32) (local $v f32)
    (local.set $whole (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    ;; j = -1 counts s > 0; j >= 0 counts s < edges[j]
    (local.set $j (i32.const -1))
    (block $countsDone
      (loop $nextCount
        (br_if $countsDone (i32.ge_s (local.get $j) (local.get $nEdges)))
        (local.set $edge (select (f32.const 0) (f32.load (i32.add (local.get $edges)
          (i32.shl (select (i32.const 0) (local.get $j) (i32.lt_s (local.get $j) (i32.const 0))) (i32.const 2))))
          (i32.lt_s (local.get $j) (i32.const 0))))
        (local.set $bound (f32x4.splat (local.get $edge)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $groupsDone
          (loop $group
            (br_if $groupsDone (i32.ge_u (local.get $i) (local.get $whole)))
            ;; a true lane is -1: subtracting the mask adds 1
            (local.set $acc (i32x4.sub (local.get $acc)
              (select (result v128)
                (f32x4.gt (v128.load (i32.add (local.get $s) (local.get $i))) (local.get $bound))
                (f32x4.lt (v128.load (i32.add (local.get $s) (local.get $i))) (local.get $bound))
                (i32.lt_s (local.get $j) (i32.const 0)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $group)))
        (local.set $count (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
          (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $v (f32.load (i32.add (local.get $s) (local.get $i))))
            (local.set $count (i32.add (local.get $count)
              (select (f32.gt (local.get $v) (local.get $edge)) (f32.lt (local.get $v) (local.get $edge))
                (i32.lt_s (local.get $j) (i32.const 0)))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $tail)))
        (i32.store (i32.add (local.get $counts) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 2)))
          (local.get $count))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $nextCount))))
)
