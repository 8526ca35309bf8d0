"""Long-range airborne infection risk in one room: the platform's own NumPy implementation of the
model of CERN's CAiMIRA (release 4.17.8), written from its equations, not from its code.

The model (Henriques et al. 2022, "Modelling airborne transmission of SARS-CoV-2 using CARA:
risk assessment for enclosed spaces", Interface Focus 12: 20210076,
https://doi.org/10.1098/rsfs.2021.0076, and CERN-OPEN-2021-004, DOI 10.17181/CERN.1GDQ.5Y75):

* The room is well mixed. Infected occupants emit virions at a rate per unit particle diameter
  ``d`` (µm, at emission)::

      E(d) = VL · f_inf · BR_exh · 10⁶ · N_p(d) · (π d³ / 6) · 10⁻¹² · (1 − η_exh(d))

  ``VL`` the viral load in sputum (RNA copies/mL), ``f_inf`` the viable-to-RNA ratio, ``BR_exh``
  the exhalation rate (m³/h, ×10⁶ → cm³/h), ``N_p(d)`` the number of expired particles per cm³
  of exhaled air and per µm (the "BLO" tri-modal log-normal distribution of Johnson et al. 2011),
  ``π d³/6 · 10⁻¹²`` the particle's liquid volume in mL, ``η_exh`` the mask's outward efficiency.
* Each particle size is removed at ``λ(d, t) = ACH(t) + k_decay + v_s(d)·3600 / 1.5``: air
  changes from every ventilation means active at ``t``, the biological decay of the virus in air
  (humidity and temperature dependent), and gravitational settling from a 1.5 m emission height
  (settling velocity of the particle after it shrank by evaporation to 0.3 d).
* The concentration of each size obeys ``dC/dt = n(t)·E(d)/V − λ(d,t)·C`` with ``C = 0`` before
  the first infected person comes. Every quantity is constant between consecutive "state change"
  times (presence, ventilation schedules, steps of the outdoor temperature), so the equation is
  integrated exactly interval by interval: ``C(t) = C∞ + (C₀ − C∞)·e^(−λΔt)``, ``C∞ = nE/(λV)``,
  and its time integral ``C∞Δt + (C₀ − C∞)(1 − e^(−λΔt))/λ``.
* The exposed person's deposited dose is ``vD = BR_inh · (1 − η_inh) · ∫∫ C(d, t) f_dep(d) dd dt``
  over the exposed's presence (``f_dep`` the deposition fraction in the respiratory tract, from
  the evaporated diameter), and the probability of infection is the exponential dose-response
  ``P = 1 − exp(−vD / (ID₆₃ · T))`` with ``ID₆₃ = ID₅₀ / ln 2`` and ``T`` the variant's
  transmissibility factor (< 1: more transmissible).
* Monte Carlo: the viral load, the viable-to-RNA ratio, the infectious dose, the breathing rates
  and the mask's inward efficiency are drawn per sample; the particle diameter is integrated.
  CAiMIRA draws one diameter per sample and averages every diameter-dependent factor over all
  samples before multiplying by the per-sample factors; here the same average is an integral
  over ``d`` by Gauss–Legendre quadrature (in ``ln d``, split where the mask curve has kinks), so
  the result is the same model without the diameter's sampling noise (see docs/care-airborne.md).

Every parameter below says where its value comes from. The engine is plain Python (no Django).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Interval = tuple[float, float]
Schedule = tuple[Interval, ...]

#: A whole day: the schedule of something always on.
ALWAYS: Schedule = ((0.0, 24.0),)

LN2 = math.log(2.0)

# ---------------------------------------------------------------------------------------------
# Physical constants of the model (CAiMIRA 4.17.8 data registry and models; Henriques et al. 2022)
# ---------------------------------------------------------------------------------------------

#: Factor applied to a particle's diameter once in the air (evaporation); Marr et al. 2019,
#: https://doi.org/10.1098/rsif.2018.0298 (CAiMIRA ``expiration_particle.particle.evaporation_factor``).
EVAPORATION_FACTOR = 0.3
#: Settling velocity (m/s) of a 2.5 µm particle (after evaporation); it scales as the square of
#: the diameter (Stokes). Henriques et al. 2022 (medRxiv 10.1101/2021.10.14.21264988).
SETTLING_VELOCITY_2P5 = 1.88e-4
#: Height (m) of the emission (mouth/nose) above the floor; Henriques et al. 2022.
EMISSION_HEIGHT = 1.5
#: Long-range particle size range (µm, at emission); Morawska et al. 2009, Johnson et al. 2011
#: (CAiMIRA ``particle_size_range.long_range``).
DIAMETER_MIN = 0.1
DIAMETER_MAX = 30.0
#: The inside air is taken at least this much (K) warmer than the outside one for the buoyancy
#: flow through a window (CAiMIRA ``WindowOpening.min_deltaT``).
MIN_DELTA_T = 0.1
#: Discharge coefficient of a sliding or side-hung window (CAiMIRA
#: ``ventilation.natural.discharge_factor.sliding``; Henriques et al. 2022).
SLIDING_DISCHARGE_COEFFICIENT = 0.6
#: Gravity (m/s²) as in the window formula.
GRAVITY = 9.81
#: Upper bound (h) of the virus's half-life in air (CAiMIRA ``SARSCoV2.halflife``; it also
#: replaces the non-positive decay rates the regression gives out of its range).
MAX_HALF_LIFE_H = 6.43

#: The BLO model of expired particles (Johnson et al. 2011, https://doi.org/10.1016/j.jaerosci.2011.07.009;
#: Morawska et al. 2009): for the B(ronchiolar), L(aryngeal) and O(ral) modes, the number
#: concentration cn (cm⁻³) and the mean and standard deviation of ln(d/µm). CAiMIRA ``BLOmodel``.
BLO_CN = (0.06, 0.2, 0.0010008)
BLO_MU = (0.989541, 1.38629, 4.97673)
BLO_SIGMA = (0.262364, 0.506818, 0.585005)

#: Amplitudes of the B, L and O modes for each expiratory activity (CAiMIRA
#: ``expiration_BLO_factors``; Henriques et al. 2022 Table 2). A mix of activities is the
#: weighted average of the amplitudes (CAiMIRA ``build_expiration``).
EXPIRATION_BLO_FACTORS: dict[str, tuple[float, float, float]] = {
    "Breathing": (1.0, 0.0, 0.0),
    "Speaking": (1.0, 1.0, 1.0),
    "Shouting": (1.0, 5.0, 5.0),
    "Singing": (1.0, 5.0, 5.0),
}

#: Diameters (µm) where the outward efficiency curve of a surgical-type mask changes form
#: (see :func:`mask_exhale_efficiency`); the quadrature is split there.
_MASK_CURVE_KNOTS = (0.5, 0.94614, 3.0)


# ---------------------------------------------------------------------------------------------
# Distributions
# ---------------------------------------------------------------------------------------------


class Distribution(Protocol):
    """Something the Monte Carlo draws ``size`` values of."""

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray: ...

    def mean(self) -> float: ...


@dataclass(frozen=True)
class Fixed:
    value: float

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return np.full(size, float(self.value))

    def mean(self) -> float:
        return float(self.value)


@dataclass(frozen=True)
class Uniform:
    low: float
    high: float

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.uniform(self.low, self.high, size)

    def mean(self) -> float:
        return (self.low + self.high) / 2.0


@dataclass(frozen=True)
class LogNormal:
    """``exp(N(mu, sigma))``."""

    mu: float
    sigma: float

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.lognormal(self.mu, self.sigma, size)

    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2.0)


@dataclass(frozen=True)
class Log10PiecewiseLinear:
    """A variable whose base-10 logarithm has a piecewise-linear density through the points
    ``(knots[i], densities[i])`` (zero outside). Drawn exactly by inverting its cumulative
    distribution (a quadratic on each piece)."""

    knots: tuple[float, ...]
    densities: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.knots) != len(self.densities) or len(self.knots) < 2:
            raise ValueError("knots and densities must have the same length (at least 2)")
        if any(b <= a for a, b in itertools.pairwise(self.knots)):
            raise ValueError("knots must increase")
        if any(f < 0 for f in self.densities) or not any(f > 0 for f in self.densities):
            raise ValueError("densities must be non-negative and not all zero")

    def _pieces(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        x = np.asarray(self.knots, dtype=np.float64)
        f = np.asarray(self.densities, dtype=np.float64)
        width = np.diff(x)
        mass = (f[:-1] + f[1:]) / 2.0 * width
        return x, f, width, mass

    def sample_log10(self, rng: np.random.Generator, size: int) -> FloatArray:
        x, f, width, mass = self._pieces()
        cumulative = np.concatenate(([0.0], np.cumsum(mass)))
        target = rng.random(size) * cumulative[-1]
        piece = np.clip(np.searchsorted(cumulative, target, side="right") - 1, 0, len(mass) - 1)
        r = target - cumulative[piece]  # mass to cover inside the piece
        f0 = f[piece]
        slope = (f[piece + 1] - f0) / width[piece]
        # f0·s + slope·s²/2 = r, solved in the form that stays exact when slope → 0 or f0 → 0.
        root = np.sqrt(np.maximum(f0 * f0 + 2.0 * slope * r, 0.0))
        denominator = f0 + root
        s = np.divide(2.0 * r, denominator, out=np.zeros_like(r), where=denominator > 0)
        return np.asarray(x[piece] + np.minimum(s, width[piece]), dtype=np.float64)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return np.asarray(10.0 ** self.sample_log10(rng, size), dtype=np.float64)

    def mean(self) -> float:
        # E[10^X] on each linear piece, by a fine Simpson rule (only used for reporting).
        x, f, _, mass = self._pieces()
        grid = np.linspace(x[0], x[-1], 20001)
        density = np.interp(grid, x, f)
        values = density * 10.0**grid
        step = grid[1] - grid[0]
        integral = step / 3.0 * (values[0] + values[-1] + 4.0 * values[1:-1:2].sum() + 2.0 * values[2:-1:2].sum())
        return float(integral / mass.sum())


def _weibull_pdf(x: FloatArray, shape: float, scale: float) -> FloatArray:
    z = x / scale
    return np.asarray((shape / scale) * z ** (shape - 1.0) * np.exp(-(z**shape)), dtype=np.float64)


def _weibull_ppf(p: float, shape: float, scale: float) -> float:
    return float(scale * (-math.log1p(-p)) ** (1.0 / shape))


def covid_viral_load_distribution() -> Log10PiecewiseLinear:
    """The viral load in sputum of CAiMIRA's SARS-CoV-2 viruses ("Ref: Viral load - covid overall").

    log₁₀(VL) follows a Weibull distribution of shape 3.47 and scale 7.01 (Chen et al. 2021,
    eLife 10:e65774, https://elifesciences.org/articles/65774, first line of Fig. 4 — figure
    supplement 3), which CAiMIRA represents as the density interpolated linearly through 30
    equally spaced points between the 1 % and 99 % quantiles, and draws within log₁₀ VL ∈ [2, 10]
    (CAiMIRA ``virological_data.covid_overal_vl_data``: shape_factor 3.47, scale_factor 7.01,
    start 0.01, stop 0.99, num 30, min_bound 2, max_bound 10). The same representation here.
    """
    shape, scale = 3.47, 7.01
    grid = np.linspace(_weibull_ppf(0.01, shape, scale), _weibull_ppf(0.99, shape, scale), 30)
    density = _weibull_pdf(grid, shape, scale)
    low, high = 2.0, 10.0
    inside = (grid > low) & (grid < high)
    knots = np.concatenate(([low], grid[inside], [high]))
    values = np.interp(knots, grid, density, left=0.0, right=0.0)
    return Log10PiecewiseLinear(tuple(float(v) for v in knots), tuple(float(v) for v in values))


# ---------------------------------------------------------------------------------------------
# Viruses, activities, masks, expiration
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Virus:
    name: str
    #: RNA copies per mL of sputum.
    viral_load: Distribution
    #: ID₅₀, in RNA copies.
    infectious_dose: Distribution
    #: Fraction of the RNA copies that are viable virions.
    viable_to_rna: Distribution
    #: Relative dose needed for the same probability (1 = wild type, < 1 more transmissible).
    transmissibility: float


def _sars_cov_2(name: str, transmissibility: float) -> Virus:
    # CAiMIRA ``virological_data.virus_distributions``: ID50 ~ U(10, 100) RNA copies (Lednicky et
    # al. 2020, https://doi.org/10.1016/j.ijid.2020.09.025; Henriques et al. 2022), viable-to-RNA
    # ratio ~ U(0.01, 0.6) (Henriques et al. 2022 and references therein).
    return Virus(
        name=name,
        viral_load=covid_viral_load_distribution(),
        infectious_dose=Uniform(10.0, 100.0),
        viable_to_rna=Uniform(0.01, 0.6),
        transmissibility=transmissibility,
    )


#: Transmissibility factors: Campbell et al. 2021, Eurosurveillance 26(24):2100509,
#: https://doi.org/10.2807/1560-7917.ES.2021.26.24.2100509 (Alpha 0.78, Delta 0.51); Omicron 0.2
#: from Du et al. 2022, Viruses 14(4):821 (CAiMIRA's data registry).
VIRUSES: dict[str, Virus] = {
    "SARS_CoV_2": _sars_cov_2("SARS_CoV_2", 1.0),
    "Alpha": _sars_cov_2("Alpha", 0.78),
    "Delta": _sars_cov_2("Delta", 0.51),
    "Omicron": _sars_cov_2("Omicron", 0.2),
}


@dataclass(frozen=True)
class Activity:
    #: m³/h
    inhalation: Distribution
    #: m³/h
    exhalation: Distribution


def _breathing(mu: float, sigma: float) -> Activity:
    rate = LogNormal(mu, sigma)
    return Activity(inhalation=rate, exhalation=rate)


#: Breathing rates (m³/h) as log-normal distributions (parameters of ln BR), Henriques et al.
#: 2022 and references therein (CAiMIRA ``activity_distributions``).
ACTIVITIES: dict[str, Activity] = {
    "Seated": _breathing(-0.6872121723362303, 0.10498338229297108),
    "Standing": _breathing(-0.5742377578494785, 0.09373162411398223),
    "Light activity": _breathing(0.21380242785625422, 0.09435378091059601),
    "Moderate activity": _breathing(0.551771330362601, 0.1894616357138137),
    "Heavy exercise": _breathing(1.1644665696723049, 0.21744554768657565),
}

#: The same activities with one central breathing rate (m³/h) each (CAiMIRA ``Activity.types``,
#: used by its expert app and some of its reference tests).
ACTIVITIES_FIXED: dict[str, Activity] = {
    name: Activity(Fixed(rate), Fixed(rate))
    for name, rate in {
        "Seated": 0.51,
        "Standing": 0.57,
        "Light activity": 1.25,
        "Moderate activity": 1.78,
        "Heavy exercise": 3.30,
    }.items()
}


@dataclass(frozen=True)
class Mask:
    #: Inward (inhalation) efficiency, leaks included.
    inhale: Distribution
    #: Outward (exhalation) efficiency; ``None`` for the diameter-dependent curve measured for
    #: surgical-type masks (:func:`mask_exhale_efficiency`).
    exhale: float | None


#: Masks as CAiMIRA's calculator draws them (CAiMIRA ``mask_distributions``; Pan et al. 2021,
#: https://doi.org/10.1080/02786826.2021.1890687; Booth et al. 2013,
#: https://doi.org/10.1016/j.jhin.2013.02.007; Monn et al. 2021, https://doi.org/10.4209/aaqr.2020.08.0531).
#: The cloth mask's outward efficiency is U(0.20, 0.50) there; only its mean 0.35 reaches any
#: reported mean (CAiMIRA averages every diameter-dependent factor, this one included, over all
#: samples), so it is kept at 0.35.
MASKS: dict[str, Mask] = {
    "none": Mask(Fixed(0.0), 0.0),
    "Type I": Mask(Uniform(0.25, 0.80), None),
    "FFP2": Mask(Uniform(0.83, 0.91), None),
    "Cloth": Mask(Uniform(0.05, 0.40), 0.35),
}

#: Masks with one efficiency each (CAiMIRA ``Mask.types``, used by its reference tests): Type I
#: 0.5 in (CERN-OPEN-2021-004), FFP2 0.865 in (94 % filtration and 8 % inward leakage, EN 149),
#: cloth 0.225 in / 0.35 out (Pan et al. 2021).
MASKS_FIXED: dict[str, Mask] = {
    "none": Mask(Fixed(0.0), 0.0),
    "Type I": Mask(Fixed(0.5), None),
    "FFP2": Mask(Fixed(0.865), None),
    "Cloth": Mask(Fixed(0.225), 0.35),
}


def mask_exhale_efficiency(diameter: FloatArray) -> FloatArray:
    """Outward efficiency of a surgical-type mask, leaks included, by particle diameter (µm at
    emission): 0 below 0.5 µm, 0.5893·d + 0.1546 up to 0.94614 µm, 0.0509·d + 0.664 up to 3 µm,
    0.8167 above. Fit of Asadi et al. 2020 in CERN-OPEN-2021-004 (the values CAiMIRA uses)."""
    d = np.asarray(diameter, dtype=np.float64)
    return np.asarray(
        np.select(
            [d < 0.5, d < 0.94614, d < 3.0],
            [np.zeros_like(d), 0.5893 * d + 0.1546, 0.0509 * d + 0.664],
            default=0.8167,
        ),
        dtype=np.float64,
    )


@dataclass(frozen=True)
class Expiration:
    """Amplitudes of the B, L and O modes of the expired particles."""

    blo_factors: tuple[float, float, float]

    @classmethod
    def from_weights(cls, weights: Mapping[str, float]) -> Expiration:
        """The mix of expiratory activities given their shares of time (any positive scale)."""
        total = float(sum(weights.values()))
        if total <= 0:
            raise ValueError("expiration weights must add up to more than zero")
        mixed = np.zeros(3)
        for name, weight in weights.items():
            mixed += np.asarray(EXPIRATION_BLO_FACTORS[name]) * (weight / total)
        return cls((float(mixed[0]), float(mixed[1]), float(mixed[2])))

    def particle_density(self, diameter: FloatArray) -> FloatArray:
        """N_p(d): expired particles per cm³ of exhaled air and per µm of diameter."""
        d = np.asarray(diameter, dtype=np.float64)
        log_d = np.log(d)
        total = np.zeros_like(d)
        for amplitude, cn, mu, sigma in zip(self.blo_factors, BLO_CN, BLO_MU, BLO_SIGMA, strict=True):
            if amplitude:
                total += (
                    amplitude
                    * cn
                    / (math.sqrt(2.0 * math.pi) * sigma)
                    * np.exp(-((log_d - mu) ** 2) / (2.0 * sigma**2))
                )
        return np.asarray(total / d, dtype=np.float64)

    def aerosol_volume(self, exhale_efficiency: float | None = 0.0) -> float:
        """Liquid volume expired per volume of exhaled air (mL/cm³) between 0.1 and 30 µm, after
        the mask's outward filtration (``None``: the surgical-type curve)."""
        grid = aerosol_quadrature(self, exhale_efficiency)
        return float(grid.volume_weights.sum())


@dataclass(frozen=True)
class AerosolGrid:
    """Quadrature over particle diameters: nodes (µm at emission) and, for each, the emitted
    liquid volume it stands for (mL per cm³ of exhaled air, mask included)."""

    diameters: FloatArray
    volume_weights: FloatArray

    def settling_rates(self) -> FloatArray:
        """Gravitational removal (h⁻¹) of each node's particles, once evaporated."""
        return settling_rate(self.diameters)

    def deposition_fractions(self) -> FloatArray:
        return deposition_fraction(self.diameters * EVAPORATION_FACTOR)


@functools.lru_cache(maxsize=8)
def _gauss_legendre(points: int) -> tuple[FloatArray, FloatArray]:
    nodes, weights = np.polynomial.legendre.leggauss(points)
    return np.asarray(nodes, dtype=np.float64), np.asarray(weights, dtype=np.float64)


def aerosol_quadrature(
    expiration: Expiration, exhale_efficiency: float | None, points_per_segment: int = 48
) -> AerosolGrid:
    """Gauss–Legendre nodes in ln d over [0.1, 30] µm, split at the mask curve's kinks."""
    edges = [DIAMETER_MIN, *_MASK_CURVE_KNOTS, DIAMETER_MAX]
    nodes, weights = _gauss_legendre(points_per_segment)
    diameters: list[FloatArray] = []
    widths: list[FloatArray] = []
    for low, high in itertools.pairwise(edges):
        a, b = math.log(low), math.log(high)
        u = (b - a) / 2.0 * nodes + (a + b) / 2.0
        d = np.exp(u)
        diameters.append(d)
        widths.append((b - a) / 2.0 * weights * d)  # dd = d·du
    d_all = np.concatenate(diameters)
    w_all = np.concatenate(widths)
    outward = mask_exhale_efficiency(d_all) if exhale_efficiency is None else np.full_like(d_all, exhale_efficiency)
    volume = expiration.particle_density(d_all) * (math.pi * d_all**3 / 6.0) * 1e-12 * (1.0 - outward)
    return AerosolGrid(diameters=d_all, volume_weights=np.asarray(volume * w_all, dtype=np.float64))


def settling_rate(diameter: FloatArray) -> FloatArray:
    """Removal rate (h⁻¹) by settling of particles expired at ``diameter`` µm: Stokes velocity
    1.88e-4 m/s × (0.3·d / 2.5 µm)², over a 1.5 m fall (Henriques et al. 2022)."""
    d = np.asarray(diameter, dtype=np.float64) * EVAPORATION_FACTOR
    return np.asarray(SETTLING_VELOCITY_2P5 * (d / 2.5) ** 2 * 3600.0 / EMISSION_HEIGHT, dtype=np.float64)


def deposition_fraction(diameter: FloatArray) -> FloatArray:
    """Fraction of inhaled particles of (evaporated) ``diameter`` µm that deposit in the
    respiratory tract: the ICRP-based fit in W. C. Hinds, Aerosol Technology (Wiley 1999),
    pp. 233–259, inhalability included (as in CAiMIRA ``Particle.fraction_deposited``)."""
    d = np.asarray(diameter, dtype=np.float64)
    inhalable = 1.0 - 0.5 * (1.0 - 1.0 / (1.0 + 0.00076 * d**2.8))
    log_d = np.log(d)
    total = 0.0587 + 0.911 / (1.0 + np.exp(4.77 + 1.485 * log_d)) + 0.943 / (1.0 + np.exp(0.508 - 2.58 * log_d))
    return np.asarray(inhalable * total, dtype=np.float64)


def viral_decay_rate(humidity: float, inside_temp_k: float) -> float:
    """Biological decay (h⁻¹) of SARS-CoV-2 in air: the regression of Dabisch et al. 2021
    (Aerosol Sci. Technol. 55:142, https://doi.org/10.1080/02786826.2020.1829536, with its
    correction) without UV, in minutes⁻¹ on standardised temperature (°C) and relative humidity
    (%), turned into a half-life capped at 6.43 h (and 6.43 h where the fit is non-positive), as
    CAiMIRA does (``SARSCoV2.halflife``)."""
    t_std = ((inside_temp_k - 273.15) - 20.615) / 10.585
    rh_std = (humidity * 100.0 - 45.235) / 28.665
    per_minute = 0.16030 + 0.04018 * t_std + 0.02176 * rh_std - 0.14369 - 0.02636 * t_std
    half_life_h = min(LN2 / per_minute / 60.0, MAX_HALF_LIFE_H) if per_minute > 0 else MAX_HALF_LIFE_H
    return LN2 / half_life_h


# ---------------------------------------------------------------------------------------------
# Room, time and ventilation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Room:
    volume_m3: float
    inside_temp_k: float = 293.0
    #: Relative humidity as a fraction (0.5 = 50 %).
    humidity: float = 0.5


@dataclass(frozen=True)
class PiecewiseConstant:
    """``values[i]`` on ``(times[i], times[i+1]]`` (hours); the first value before, the last after."""

    times: tuple[float, ...]
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.times) != len(self.values) + 1:
            raise ValueError("times must have one element more than values")
        if any(b <= a for a, b in itertools.pairwise(self.times)):
            raise ValueError("times must increase")

    def at(self, t: FloatArray) -> FloatArray:
        index = np.clip(np.searchsorted(np.asarray(self.times), t, side="left") - 1, 0, len(self.values) - 1)
        return np.asarray(np.asarray(self.values, dtype=np.float64)[index], dtype=np.float64)

    @classmethod
    def constant(cls, value: float) -> PiecewiseConstant:
        return cls((0.0, 24.0), (value,))


def active(schedule: Schedule, t: FloatArray) -> NDArray[np.bool_]:
    """Whether each time falls in the schedule (intervals open at the start, closed at the end)."""
    on = np.zeros(np.shape(t), dtype=bool)
    for start, end in schedule:
        on |= (t > start) & (t <= end)
    return on


def _schedule_times(schedule: Schedule) -> set[float]:
    return {float(x) for interval in schedule for x in interval}


@dataclass(frozen=True)
class SlidingWindow:
    """Sliding or side-hung windows (hinge vertical); buoyancy-driven single-sided flow."""

    schedule: Schedule
    outside_temp_k: PiecewiseConstant
    height_m: float
    opening_m: float
    count: int = 1

    def discharge_coefficient(self) -> float:
        return SLIDING_DISCHARGE_COEFFICIENT

    def breakpoints(self) -> set[float]:
        return _schedule_times(self.schedule) | set(self.outside_temp_k.times)

    def air_changes(self, room: Room, t: FloatArray) -> FloatArray:
        return _window_air_changes(self, self.discharge_coefficient(), room, t)


@dataclass(frozen=True)
class HingedWindow:
    """Top- or bottom-hung windows (hinge horizontal)."""

    schedule: Schedule
    outside_temp_k: PiecewiseConstant
    height_m: float
    opening_m: float
    width_m: float
    count: int = 1

    def discharge_coefficient(self) -> float:
        return hinged_discharge_coefficient(self.width_m, self.height_m, self.opening_m)

    def breakpoints(self) -> set[float]:
        return _schedule_times(self.schedule) | set(self.outside_temp_k.times)

    def air_changes(self, room: Room, t: FloatArray) -> FloatArray:
        return _window_air_changes(self, self.discharge_coefficient(), room, t)


def hinged_discharge_coefficient(width_m: float, height_m: float, opening_m: float) -> float:
    """``Cd = Cd_max · (1 − e^(−M·α))`` with ``α`` the opening angle in degrees
    (``2·asin(opening / (2·height))``) and (M, Cd_max) by the width-to-height ratio: < 0.5:
    (0.06, 0.612); < 1: (0.048, 0.589); < 2: (0.04, 0.563); otherwise (0.038, 0.548). From the
    UK Department for Education's BB101 (2018) §8.3 and ESFA Output Specification Annex 2F
    §11.3 (calculator of R. Daniels, C. Wright, B. Jones, 2018), as CAiMIRA."""
    ratio = width_m / height_m
    if ratio < 0.5:
        m, cd_max = 0.06, 0.612
    elif ratio < 1.0:
        m, cd_max = 0.048, 0.589
    elif ratio < 2.0:
        m, cd_max = 0.04, 0.563
    else:
        m, cd_max = 0.038, 0.548
    angle = 2.0 * math.degrees(math.asin(opening_m / (2.0 * height_m)))
    return cd_max * (1.0 - math.exp(-m * angle))


def _window_air_changes(window: SlidingWindow | HingedWindow, cd: float, room: Room, t: FloatArray) -> FloatArray:
    """Air changes per hour through ``count`` windows: ``Q = Cd·A/3·√(g·H·ΔT/T_out)``
    (single-sided buoyancy flow, CIBSE AM10 / BB101 as used in Henriques et al. 2022), A the
    opening area height × opening length; the inside is taken ≥ 0.1 K warmer than the outside."""
    outside = window.outside_temp_k.at(t)
    inside = np.maximum(room.inside_temp_k, outside + MIN_DELTA_T)
    root = np.sqrt(GRAVITY * window.height_m * (inside - outside) / outside)
    area = window.height_m * window.opening_m * window.count
    ach = 3600.0 / (3.0 * room.volume_m3) * cd * area * root
    return np.asarray(np.where(active(window.schedule, t), ach, 0.0), dtype=np.float64)


@dataclass(frozen=True)
class _Flow:
    """A flow of clean air (m³/h) while its schedule runs: in a well-mixed room it removes
    virus as flow / volume air changes an hour, whatever brings it."""

    schedule: Schedule
    flow_m3h: float

    def breakpoints(self) -> set[float]:
        return _schedule_times(self.schedule)

    def air_changes(self, room: Room, t: FloatArray) -> FloatArray:
        return np.asarray(np.where(active(self.schedule, t), self.flow_m3h / room.volume_m3, 0.0), dtype=np.float64)


@dataclass(frozen=True)
class HEPAFilter(_Flow):
    """A portable air cleaner: its clean air delivery rate counts as a flow of clean air."""


@dataclass(frozen=True)
class MechanicalVentilation(_Flow):
    """Mechanical supply of outdoor air (m³/h)."""


@dataclass(frozen=True)
class AirChange:
    """A known air change rate (h⁻¹), e.g. the 0.25 h⁻¹ infiltration CAiMIRA's calculator adds."""

    schedule: Schedule
    ach: float

    def breakpoints(self) -> set[float]:
        return _schedule_times(self.schedule)

    def air_changes(self, room: Room, t: FloatArray) -> FloatArray:
        return np.asarray(np.where(active(self.schedule, t), self.ach, 0.0), dtype=np.float64)


Ventilation = SlidingWindow | HingedWindow | HEPAFilter | MechanicalVentilation | AirChange


def air_exchange(ventilation: Sequence[Ventilation], room: Room, t: FloatArray | float) -> FloatArray:
    """Total air changes per hour at each time: the sum over the ventilation means."""
    times = np.atleast_1d(np.asarray(t, dtype=np.float64))
    total = np.zeros_like(times)
    for means in ventilation:
        total += means.air_changes(room, times)
    return total


# ---------------------------------------------------------------------------------------------
# Concentration and exposure (deterministic, per unit emission rate)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    """The intervals between consecutive state changes and what holds on each."""

    starts: FloatArray
    ends: FloatArray
    #: Air changes per hour.
    air_changes: FloatArray
    #: Infected people present.
    infected: FloatArray
    #: Whether the exposed people are present.
    exposed: NDArray[np.bool_]


def build_timeline(
    room: Room,
    ventilation: Sequence[Ventilation],
    infected_count: int,
    infected_presence: Schedule,
    exposed_presence: Schedule,
    until: float | None = None,
) -> Timeline:
    """State-change times from the first arrival of anyone (the air is clean until the first
    infected person comes) to the end of the exposed's presence (or ``until``)."""
    if not infected_presence:
        raise ValueError("the infected population has no presence interval")
    start = min(s for s, _ in (*infected_presence, *exposed_presence))
    end = until if until is not None else max((e for _, e in exposed_presence), default=start)
    if end <= start:
        empty = np.zeros(0)
        return Timeline(empty, empty, empty, empty, np.zeros(0, dtype=bool))
    points = _schedule_times(infected_presence) | _schedule_times(exposed_presence) | {start, end}
    for means in ventilation:
        points |= means.breakpoints()
    times = np.array(sorted(p for p in points if start <= p <= end), dtype=np.float64)
    starts, ends = times[:-1], times[1:]
    middle = (starts + ends) / 2.0
    return Timeline(
        starts=starts,
        ends=ends,
        air_changes=air_exchange(ventilation, room, middle),
        infected=np.where(active(infected_presence, middle), float(infected_count), 0.0),
        exposed=active(exposed_presence, middle),
    )


def _step(c0: FloatArray, rate: FloatArray, source: float, dt: float) -> tuple[FloatArray, FloatArray]:
    """Exact solution over one interval of dc/dt = source − rate·c: (value at the end, integral)."""
    limit = source / rate
    decay = np.exp(-rate * dt)
    integral = limit * dt + (c0 - limit) * (-np.expm1(-rate * dt)) / rate
    return limit + (c0 - limit) * decay, integral


def normalized_exposure(room: Room, timeline: Timeline, removal: FloatArray) -> FloatArray:
    """∫ c dt over the exposed's presence, for each extra removal rate in ``removal`` (h⁻¹, one
    per particle size: settling + decay), where c is the concentration per unit emission rate
    of one person (so the result, times virions/h, is virion·h/m³)."""
    c = np.zeros_like(removal)
    total = np.zeros_like(removal)
    for k in range(len(timeline.starts)):
        rate = removal + timeline.air_changes[k]
        c, integral = _step(
            c, rate, float(timeline.infected[k]) / room.volume_m3, float(timeline.ends[k] - timeline.starts[k])
        )
        if timeline.exposed[k]:
            total += integral
    return total


def normalized_concentration(room: Room, timeline: Timeline, removal: FloatArray, times: Sequence[float]) -> FloatArray:
    """The concentration per unit emission rate of one person at each time (rows) and removal
    rate (columns); zero before the first infected arrival."""
    out = np.zeros((len(times), len(removal)))
    for row, t in enumerate(times):
        c = np.zeros_like(removal)
        for k in range(len(timeline.starts)):
            if timeline.starts[k] >= t:
                break
            rate = removal + timeline.air_changes[k]
            dt = float(min(t, timeline.ends[k]) - timeline.starts[k])
            c, _ = _step(c, rate, float(timeline.infected[k]) / room.volume_m3, dt)
        out[row] = c
    return out


# ---------------------------------------------------------------------------------------------
# The Monte Carlo exposure model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InfectedPopulation:
    count: int
    presence: Schedule
    virus: Virus
    activity: Activity
    expiration: Expiration
    mask: Mask
    #: Overrides the virus's viral load distribution (RNA copies/mL) when set.
    viral_load: float | None = None


@dataclass(frozen=True)
class ExposedPopulation:
    count: int
    presence: Schedule
    activity: Activity
    mask: Mask


@dataclass(frozen=True)
class ExposureModel:
    room: Room
    ventilation: tuple[Ventilation, ...]
    infected: InfectedPopulation
    exposed: ExposedPopulation
    quadrature_points: int = 48


@dataclass(frozen=True)
class Samples:
    """Per-sample results of one Monte-Carlo run."""

    #: Probability of infection of one exposed person (fraction, 0–1).
    probability: FloatArray
    #: Deposited dose (infectious virions).
    dose: FloatArray
    #: Emission rate of one infected person when present (virions/h), particle sizes integrated.
    emission_rate: FloatArray
    #: Mean air changes per hour over the exposed's presence (ventilation only).
    mean_air_changes: float
    exposed_count: int = field(default=1)

    def summary(self) -> dict[str, float]:
        """Means as CAiMIRA reports them, and the spread over the samples."""
        p = self.probability * 100.0
        cases = p / 100.0 * self.exposed_count
        quantiles = (5.0, 50.0, 95.0)
        p5, p50, p95 = (float(v) for v in np.percentile(p, quantiles))
        d5, d50, d95 = (float(v) for v in np.percentile(self.dose, quantiles))
        e5, e50, e95 = (float(v) for v in np.percentile(self.emission_rate, quantiles))
        n = len(p)
        return {
            "p_infection_percent": float(p.mean()),
            "expected_cases": float(cases.mean()),
            "mean_dose": float(self.dose.mean()),
            "emission_rate": float(self.emission_rate.mean()),
            "p_infection_percent_p05": p5,
            "p_infection_percent_p50": p50,
            "p_infection_percent_p95": p95,
            "p_infection_percent_std_error": float(p.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0,
            "expected_cases_p05": p5 / 100.0 * self.exposed_count,
            "expected_cases_p95": p95 / 100.0 * self.exposed_count,
            "dose_p05": d5,
            "dose_p50": d50,
            "dose_p95": d95,
            "emission_rate_p05": e5,
            "emission_rate_p50": e50,
            "emission_rate_p95": e95,
            "mean_air_changes_per_hour": self.mean_air_changes,
        }


@dataclass(frozen=True)
class Deterministic:
    """The parts of the model that do not depend on the samples."""

    #: ∫ (emitted liquid volume per cm³ exhaled) · f_dep · (∫ c dt) dd, in mL·h/(cm³·m³).
    deposited_per_emission: float
    #: ∫ emitted liquid volume per cm³ exhaled dd (mL/cm³), mask included.
    aerosol_volume: float
    mean_air_changes: float


def deterministic_part(model: ExposureModel) -> Deterministic:
    grid = aerosol_quadrature(model.infected.expiration, model.infected.mask.exhale, model.quadrature_points)
    decay = viral_decay_rate(model.room.humidity, model.room.inside_temp_k)
    timeline = build_timeline(
        model.room, model.ventilation, model.infected.count, model.infected.presence, model.exposed.presence
    )
    exposure = normalized_exposure(model.room, timeline, grid.settling_rates() + decay)
    deposited = float(np.sum(grid.volume_weights * grid.deposition_fractions() * exposure))
    durations = (timeline.ends - timeline.starts) * timeline.exposed
    present = float(durations.sum())
    mean_ach = float((timeline.air_changes * durations).sum() / present) if present > 0 else 0.0
    return Deterministic(deposited, float(grid.volume_weights.sum()), mean_ach)


def infection_probability(dose: FloatArray | float, id50: FloatArray | float, transmissibility: float) -> FloatArray:
    """Exponential dose-response: ``1 − exp(−dose / (ID₆₃ · T))`` with ``ID₆₃ = ID₅₀ / ln 2``
    (Henriques et al. 2022, Eq. 2.8; CAiMIRA ``ExposureModel.infection_probability``), 0–1."""
    return np.asarray(-np.expm1(-np.asarray(dose) * LN2 / (np.asarray(id50) * transmissibility)), dtype=np.float64)


def simulate(model: ExposureModel, samples: int, seed: int | None = None) -> Samples:
    """Draws ``samples`` sets of the uncertain parameters and computes each one's dose and
    probability of infection. Same seed, same model: same result."""
    if samples < 1:
        raise ValueError("samples must be at least 1")
    rng = np.random.default_rng(seed)
    fixed = deterministic_part(model)
    infected, exposed, virus = model.infected, model.exposed, model.infected.virus
    viral_load = (
        Fixed(infected.viral_load).sample(rng, samples)
        if infected.viral_load is not None
        else virus.viral_load.sample(rng, samples)
    )
    viable = virus.viable_to_rna.sample(rng, samples)
    exhalation = infected.activity.exhalation.sample(rng, samples)
    inhalation = exposed.activity.inhalation.sample(rng, samples)
    inward = exposed.mask.inhale.sample(rng, samples)
    id50 = virus.infectious_dose.sample(rng, samples)
    # Virions·cm³/(mL·h) for one infected person: × mL/cm³ of expired liquid gives virions/h.
    per_volume = viral_load * viable * exhalation * 1e6
    dose = per_volume * inhalation * (1.0 - inward) * fixed.deposited_per_emission
    return Samples(
        probability=infection_probability(dose, id50, virus.transmissibility),
        dose=np.asarray(dose, dtype=np.float64),
        emission_rate=np.asarray(per_volume * fixed.aerosol_volume, dtype=np.float64),
        mean_air_changes=fixed.mean_air_changes,
        exposed_count=exposed.count,
    )
