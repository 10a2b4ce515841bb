// libm over fixed inputs at full precision; fenv; integer division
// flags: -lm
#include <stdio.h>
#include <math.h>
#include <fenv.h>
#include <stdlib.h>

int main(void) {
    double xs[] = {0.0, 0.5, 1.0, 2.0, 3.14159265358979, -1.5, 10.0, 1e-300, 1e300};
    for (int i = 0; i < 9; i++) {
        double x = xs[i];
        printf("x=%.17g sin=%.17g cos=%.17g exp=%.17g log=%.17g sqrt=%.17g\n", x, sin(x), cos(x),
               exp(x), log(fabs(x)), sqrt(fabs(x)));
        printf("  tan=%.17g atan=%.17g sinh=%.17g cbrt=%.17g erf=%.17g lgamma=%.17g\n", tan(x), atan(x),
               sinh(x), cbrt(x), erf(x), lgamma(fabs(x) + 0.5));
    }
    printf("pow=%.17g %.17g %.17g\n", pow(2, 0.5), pow(-8, 1.0 / 3), pow(10, -2));
    printf("fma=%.17g hypot=%.17g atan2=%.17g tgamma=%.17g\n", fma(1e16, 1.0000001, -1e16), hypot(3, 4), atan2(1, -1), tgamma(5.5));
    int e;
    double m = frexp(48.0, &e);
    double ip, fp = modf(-3.75, &ip);
    printf("frexp=%.17g,%d ldexp=%.17g modf=%.17g,%.17g fmod=%.17g remainder=%.17g\n", m, e, ldexp(0.75, 6), ip, fp, fmod(10, 3), remainder(10, 3));
    printf("round=%g %g trunc=%g floor=%g ceil=%g rint=%g lround=%ld\n", round(2.5), round(-2.5), trunc(-2.7), floor(-2.5), ceil(-2.5), rint(2.5), lround(3.5));
    printf("isnan=%d isinf=%d signbit=%d nextafter=%.17g fpclassify=%d %d %d\n", isnan(NAN), isinf(-INFINITY) != 0,
           signbit(-0.0) != 0, nextafter(1.0, 2.0), fpclassify(0.0) == FP_ZERO, fpclassify(1e-310) == FP_SUBNORMAL, fpclassify(NAN) == FP_NAN);
    printf("float: sinf=%.9g expf=%.9g sqrtf=%.9g powf=%.9g\n", sinf(1.0f), expf(2.0f), sqrtf(2.0f), powf(1.5f, 2.5f));
    fesetround(FE_UPWARD);
    volatile double third = 1.0;
    third /= 3.0;
    printf("upward 1/3=%.17g\n", third);
    fesetround(FE_TONEAREST);
    feclearexcept(FE_ALL_EXCEPT);
    volatile double z = 0.0, inf = 1.0 / z;
    printf("divbyzero raised=%d inf=%g\n", fetestexcept(FE_DIVBYZERO) != 0, inf);
    div_t d = div(-17, 5);
    ldiv_t ld = ldiv(1000000007L, 13);
    printf("div=%d,%d ldiv=%ld,%ld abs=%d\n", d.quot, d.rem, ld.quot, ld.rem, abs(-9));
    return 0;
}
