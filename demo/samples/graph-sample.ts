/**
 * The graph sample: a small movie graph in the spirit of Neo4j's classic movie data set —
 * people who ACTED_IN or DIRECTED movies, movies IN_GENRE genres.
 */
import type { Graph } from '../../src/index.js';

/** The graph's name in the store. */
export const GRAPH_NAME = 'movies';

const BORN: Record<string, number> = {
  'Keanu Reeves': 1964, 'Carrie-Anne Moss': 1967, 'Laurence Fishburne': 1961, 'Hugo Weaving': 1960, 'Lana Wachowski': 1965, 'Lilly Wachowski': 1967,
  'Tom Hanks': 1956, 'Halle Berry': 1966, 'Jim Broadbent': 1949, 'Tom Tykwer': 1965, 'Audrey Tautou': 1976, 'Ian McKellen': 1939, 'Ron Howard': 1954,
  'Helen Hunt': 1963, 'Robert Zemeckis': 1951, 'Meg Ryan': 1961, 'Nora Ephron': 1941, 'Tom Cruise': 1962, 'Kelly McGillis': 1957, 'Val Kilmer': 1959,
  'Tony Scott': 1944, 'Jack Nicholson': 1937, 'Demi Moore': 1962, 'Kevin Bacon': 1958, 'Kiefer Sutherland': 1966, 'Rob Reiner': 1947, 'Cuba Gooding Jr.': 1968,
  'Renée Zellweger': 1969, 'Cameron Crowe': 1957, 'Sandra Bullock': 1964, 'Jan de Bont': 1943, 'Charlize Theron': 1975, 'Al Pacino': 1940, 'Taylor Hackford': 1944,
  'Bill Paxton': 1955, 'Ed Harris': 1950, 'Gary Sinise': 1955, 'Michael Clarke Duncan': 1957, 'David Morse': 1953, 'Frank Darabont': 1959, 'Diane Keaton': 1946,
  'Nancy Meyers': 1949, 'Frank Langella': 1938, 'Michael Sheen': 1969,
};

/** [title, released, genres, cast as [name, role?], directors] */
const MOVIES: Array<[string, number, string[], Array<[string, string?]>, string[]]> = [
  ['The Matrix', 1999, ['Sci-Fi', 'Action'], [['Keanu Reeves', 'Neo'], ['Carrie-Anne Moss', 'Trinity'], ['Laurence Fishburne', 'Morpheus'], ['Hugo Weaving', 'Agent Smith']], ['Lana Wachowski', 'Lilly Wachowski']],
  ['The Matrix Reloaded', 2003, ['Sci-Fi', 'Action'], [['Keanu Reeves', 'Neo'], ['Carrie-Anne Moss', 'Trinity'], ['Laurence Fishburne', 'Morpheus'], ['Hugo Weaving', 'Agent Smith']], ['Lana Wachowski', 'Lilly Wachowski']],
  ['Cloud Atlas', 2012, ['Sci-Fi', 'Drama'], [['Tom Hanks'], ['Hugo Weaving'], ['Halle Berry'], ['Jim Broadbent']], ['Tom Tykwer', 'Lana Wachowski', 'Lilly Wachowski']],
  ['The Da Vinci Code', 2006, ['Thriller'], [['Tom Hanks', 'Robert Langdon'], ['Audrey Tautou', 'Sophie Neveu'], ['Ian McKellen', 'Sir Leigh Teabing']], ['Ron Howard']],
  ['Cast Away', 2000, ['Drama'], [['Tom Hanks', 'Chuck Noland'], ['Helen Hunt', 'Kelly Frears']], ['Robert Zemeckis']],
  ['Sleepless in Seattle', 1993, ['Romance'], [['Tom Hanks', 'Sam Baldwin'], ['Meg Ryan', 'Annie Reed']], ['Nora Ephron']],
  ["You've Got Mail", 1998, ['Romance'], [['Tom Hanks', 'Joe Fox'], ['Meg Ryan', 'Kathleen Kelly']], ['Nora Ephron']],
  ['Top Gun', 1986, ['Action'], [['Tom Cruise', 'Maverick'], ['Kelly McGillis', 'Charlie'], ['Val Kilmer', 'Iceman'], ['Meg Ryan', 'Carole']], ['Tony Scott']],
  ['A Few Good Men', 1992, ['Drama'], [['Tom Cruise', 'Lt. Daniel Kaffee'], ['Jack Nicholson', 'Col. Nathan R. Jessup'], ['Demi Moore', 'Lt. Cdr. JoAnne Galloway'], ['Kevin Bacon', 'Capt. Jack Ross'], ['Kiefer Sutherland', 'Lt. Jonathan Kendrick']], ['Rob Reiner']],
  ['Jerry Maguire', 1996, ['Drama', 'Romance'], [['Tom Cruise', 'Jerry Maguire'], ['Cuba Gooding Jr.', 'Rod Tidwell'], ['Renée Zellweger', 'Dorothy Boyd']], ['Cameron Crowe']],
  ['Speed', 1994, ['Action', 'Thriller'], [['Keanu Reeves', 'Jack Traven'], ['Sandra Bullock', 'Annie Porter']], ['Jan de Bont']],
  ["The Devil's Advocate", 1997, ['Thriller', 'Drama'], [['Keanu Reeves', 'Kevin Lomax'], ['Charlize Theron', 'Mary Ann Lomax'], ['Al Pacino', 'John Milton']], ['Taylor Hackford']],
  ['Apollo 13', 1995, ['Drama'], [['Tom Hanks', 'Jim Lovell'], ['Kevin Bacon', 'Jack Swigert'], ['Bill Paxton', 'Fred Haise'], ['Ed Harris', 'Gene Kranz'], ['Gary Sinise', 'Ken Mattingly']], ['Ron Howard']],
  ['The Green Mile', 1999, ['Drama'], [['Tom Hanks', 'Paul Edgecomb'], ['Michael Clarke Duncan', 'John Coffey'], ['David Morse', 'Brutus Howell']], ['Frank Darabont']],
  ["Something's Gotta Give", 2003, ['Romance'], [['Jack Nicholson', 'Harry Sanborn'], ['Diane Keaton', 'Erica Barry'], ['Keanu Reeves', 'Julian Mercer']], ['Nancy Meyers']],
  ['Frost/Nixon', 2008, ['Drama'], [['Frank Langella', 'Richard Nixon'], ['Michael Sheen', 'David Frost'], ['Kevin Bacon', 'Jack Brennan']], ['Ron Howard']],
];

/** Replaces the movie graph with the sample; resolves with its node and edge counts. */
export async function loadGraphSample(graph: Graph): Promise<{ nodes: number; edges: number }> {
  await graph.drop();
  const directors = new Set(MOVIES.flatMap((m) => m[4]));
  const people = Object.keys(BORN);
  const genres = [...new Set(MOVIES.flatMap((m) => m[2]))];
  const nodeIds = await graph.addNodes([
    ...people.map((name) => ({ labels: directors.has(name) ? ['Person', 'Director'] : ['Person'], properties: { name, born: BORN[name] } })),
    ...MOVIES.map(([title, released]) => ({ labels: ['Movie'], properties: { title, released } })),
    ...genres.map((name) => ({ labels: ['Genre'], properties: { name } })),
  ]);
  const id = new Map<string, number>();
  [...people, ...MOVIES.map((m) => m[0]), ...genres.map((g) => `genre:${g}`)].forEach((k, i) => id.set(k, nodeIds[i]!));
  const edges: Array<{ from: number; to: number; type: string; properties?: Record<string, unknown> }> = [];
  for (const [title, , gs, cast, dirs] of MOVIES) {
    const m = id.get(title)!;
    for (const [name, role] of cast) edges.push({ from: id.get(name)!, to: m, type: 'ACTED_IN', properties: role ? { roles: [role] } : {} });
    for (const d of dirs) edges.push({ from: id.get(d)!, to: m, type: 'DIRECTED' });
    for (const g of gs) edges.push({ from: m, to: id.get(`genre:${g}`)!, type: 'IN_GENRE' });
  }
  await graph.addEdges(edges);
  await graph.createIndex('Person', 'name', { unique: true });
  await graph.createIndex('Movie', 'title', { unique: true });
  return { nodes: nodeIds.length, edges: edges.length };
}
